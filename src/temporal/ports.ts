import net from 'node:net';

/** A port the OS just handed out on `ip`; free now, though nothing reserves it for us. */
export async function findFreePort(ip: string): Promise<number> {
  const server = net.createServer();
  await listen(server, ip, 0);
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error(`could not get a free port on ${ip}`);
  return address.port;
}

/** Resolves when `ip:port` can be bound, rejects with the bind error (e.g. EADDRINUSE) otherwise. */
export async function probePort(ip: string, port: number): Promise<void> {
  const server = net.createServer();
  await listen(server, ip, port);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function listen(server: net.Server, ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // exclusive: a cluster-mode parent must not share the handle and make a taken port look free.
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
