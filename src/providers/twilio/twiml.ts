/** TwiML documents the realtime node answers Twilio's webhooks with, built by the official SDK. */
import twilio from 'twilio';

export interface ConnectStreamOptions {
  /** wss:// URL with no query string: Twilio drops query strings, values go in parameters. */
  streamUrl: string;
  /** Delivered back in the `start` frame as `customParameters`. */
  parameters?: Record<string, string>;
}

/** A bidirectional media stream: <Connect><Stream url><Parameter/>…</Stream></Connect>. */
export function connectStreamTwiml(options: ConnectStreamOptions): string {
  const url = new URL(options.streamUrl);
  // Real Twilio only connects to wss://. Plain ws:// is allowed on loopback alone, where the
  // simulated caller stands in for Twilio and there is no certificate to present.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'wss:' && !(url.protocol === 'ws:' && loopback)) {
    throw new Error('Twilio media streams need a wss:// URL');
  }
  if (url.search !== '' || options.streamUrl.includes('?')) {
    throw new Error('stream URL must not carry a query string; use parameters');
  }
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: options.streamUrl });
  for (const [name, value] of Object.entries(options.parameters ?? {})) {
    stream.parameter({ name, value });
  }
  return response.toString();
}

/** Used when we cannot take the call (no capacity, unknown number): say why and end it. */
export function sayAndHangupTwiml(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}

/** Hands the caller to a human; replacing a call's TwiML with this ends its media stream. */
export function dialTwiml(to: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.dial(to);
  return response.toString();
}
