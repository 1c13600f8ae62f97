import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  publicRequestUrl,
  signTwilioRequest,
  verifyTwilioSignature,
} from '../../../src/providers/twilio/signature.ts';

const TOKEN = 'test-auth-token-0123456789abcdef';
const URL = 'https://voice.example.com/twilio/voice?tenant=acme';
const PARAMS = {
  CallSid: 'CA123',
  From: '+15551230000',
  To: '+15557650000',
  StatusCallbackEvent: ['ringing', 'answered'],
};

describe('Twilio signatures', () => {
  const signature = signTwilioRequest(TOKEN, URL, PARAMS);

  it('matches the SDK algorithm and accepts a valid request', () => {
    expect(signature).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL, PARAMS));
    expect(verifyTwilioSignature({ authToken: TOKEN, url: URL, params: PARAMS, signature })).toBe(true);
  });

  it.each([
    ['a missing header', { signature: undefined }],
    ['an empty header', { signature: '' }],
    ['a repeated header', { signature: [signature, signature] }],
    ['another auth token', { authToken: 'another-token' }],
    ['a tampered param', { params: { ...PARAMS, To: '+15550000000' } }],
    ['an added param', { params: { ...PARAMS, Digits: '1' } }],
    ['another URL', { url: 'https://voice.example.com/twilio/voice?tenant=evil' }],
    ['the internal URL behind a proxy', { url: 'http://10.0.0.5:3000/twilio/voice?tenant=acme' }],
    ['another host', { url: 'https://attacker.example.com/twilio/voice?tenant=acme' }],
  ])('rejects %s', (_label, override) => {
    const input = { authToken: TOKEN, url: URL, params: PARAMS, signature, ...override };
    expect(verifyTwilioSignature(input)).toBe(false);
  });

  it('rebuilds the public URL from config, not from the request host', () => {
    const url = publicRequestUrl('https://voice.example.com/', '/twilio/voice?tenant=acme');
    expect(url).toBe(URL);
    expect(verifyTwilioSignature({ authToken: TOKEN, url, params: PARAMS, signature })).toBe(true);
    expect(publicRequestUrl('https://voice.example.com/base', 'twilio')).toBe(
      'https://voice.example.com/base/twilio',
    );
  });

  it('verifies a WebSocket upgrade signed over the wss URL with no params', () => {
    const wss = 'wss://voice.example.com/twilio/media';
    const sig = signTwilioRequest(TOKEN, wss, {});
    expect(verifyTwilioSignature({ authToken: TOKEN, url: wss, params: {}, signature: sig })).toBe(true);
    expect(verifyTwilioSignature({ authToken: TOKEN, url: `${wss}/x`, params: {}, signature: sig })).toBe(
      false,
    );
  });
});
