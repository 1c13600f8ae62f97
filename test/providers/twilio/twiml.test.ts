import { describe, expect, it } from 'vitest';
import { connectStreamTwiml, dialTwiml, sayAndHangupTwiml } from '../../../src/providers/twilio/twiml.ts';
import { readStreamTwiml } from '../../../src/sim/twilio/playback.ts';

describe('TwiML', () => {
  it('connects a bidirectional stream with parameters instead of a query string', () => {
    const xml = connectStreamTwiml({
      streamUrl: 'wss://voice.example.com/twilio/media',
      parameters: { token: 'v1.a.b&c', tenant: 'acme' },
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://voice.example.com/twilio/media">' +
        '<Parameter name="token" value="v1.a.b&amp;c"/><Parameter name="tenant" value="acme"/></Stream></Connect></Response>',
    );
    expect(readStreamTwiml(xml)).toEqual({
      streamUrl: 'wss://voice.example.com/twilio/media',
      parameters: { token: 'v1.a.b&c', tenant: 'acme' },
    });
  });

  it.each([
    'ws://voice.example.com/media',
    'https://voice.example.com/media',
    'wss://voice.example.com/media?token=x',
  ])('refuses stream URL %s', (streamUrl) => {
    expect(() => connectStreamTwiml({ streamUrl })).toThrow();
  });

  it('allows plain ws:// only on loopback, for the simulated caller', () => {
    expect(connectStreamTwiml({ streamUrl: 'ws://127.0.0.1:3001/twilio/media' })).toContain(
      '<Stream url="ws://127.0.0.1:3001/twilio/media"/>',
    );
    expect(() => connectStreamTwiml({ streamUrl: 'ws://10.0.0.5:3001/twilio/media' })).toThrow(/wss/);
  });

  it('says a line and hangs up, escaping the text', () => {
    expect(sayAndHangupTwiml('Sorry <all> lines are busy')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry &lt;all&gt; lines are busy</Say><Hangup/></Response>',
    );
    expect(readStreamTwiml(sayAndHangupTwiml('bye'))).toBeUndefined();
  });

  it('dials a human', () => {
    expect(dialTwiml('+15551230000')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+15551230000</Dial></Response>',
    );
  });
});
