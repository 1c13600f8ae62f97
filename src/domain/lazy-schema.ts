/**
 * A schema (or any object) built on its first use instead of when its module is evaluated.
 *
 * Why: Temporal's workflow sandbox evaluates every module of the workflow bundle once per
 * workflow execution, and these domain modules are in it. Building their zod schemas eagerly cost
 * about a fifth of the workflow thread's time in a campaign, whose dial workflows never validate
 * anything (bench:campaign CPU profile). Built lazily, a workflow pays only for what it parses.
 *
 * The proxy forwards everything to the built object, so call sites and `z.infer<typeof x>` are
 * unchanged, and zod methods (closures over the real instance) behave as on the real schema.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const real = (): T => {
    built ??= build();
    return built;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      // The (empty) proxy target has no such property, so it may only be reported configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
