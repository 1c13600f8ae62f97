import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './support.ts';

const agentBody = {
  name: 'Front desk',
  systemPrompt: 'You are the front desk of {{business_name}}.',
  greeting: 'Hi, front desk.',
  voice: 'v1',
  ttsModel: 'eleven_flash_v2_5',
  sttModel: 'nova-3',
  timeZone: 'Europe/Paris',
  businessHours: { mon: [['09:00', '12:00']] },
  enabledTools: ['findAvailableSlots', 'bookAppointment'],
  phoneNumbers: ['+33142000000'],
};

describe('admin API: agents, do-not-call, idempotency and audit', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api?.close());

  it('creates, reads, lists and updates agents, auditing each change', async () => {
    const created = await api.as('admin', { method: 'POST', url: '/api/v1/agents', payload: agentBody });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json();
    expect(agent).toMatchObject({
      name: 'Front desk',
      timeZone: 'Europe/Paris',
      phoneNumbers: ['+33142000000'],
    });

    const updated = await api.as('admin', {
      method: 'PATCH',
      url: `/api/v1/agents/${agent.id}`,
      payload: { greeting: 'Bonjour!', phoneNumbers: ['+33142000001', '+33142000002'] },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({
      greeting: 'Bonjour!',
      phoneNumbers: ['+33142000001', '+33142000002'],
    });
    const numbers = await api.prisma.agentPhoneNumber.findMany({ where: { agentId: agent.id } });
    expect(numbers.map((n) => n.phone).sort()).toEqual(['+33142000001', '+33142000002']);

    const read = await api.as('viewer', { method: 'GET', url: `/api/v1/agents/${agent.id}` });
    expect(read.json().greeting).toBe('Bonjour!');
    const list = await api.as('viewer', { method: 'GET', url: '/api/v1/agents' });
    expect(list.json().items.map((a: { id: string }) => a.id)).toContain(agent.id);

    const audit = await api.prisma.auditLogEntry.findMany({
      where: { target: `agent:${agent.id}` },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.actorKeyId, a.role])).toEqual([
      ['agent.create', api.keys.admin.id, 'admin'],
      ['agent.update', api.keys.admin.id, 'admin'],
    ]);
    expect(audit.every((a) => a.requestId)).toBe(true);
  });

  it('refuses bad agent input with 400 naming the field, and changes nothing', async () => {
    const before = await api.prisma.agent.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...agentBody, name: 'x2', timeZone: 'Mars/Olympus' }, 'body.timeZone'],
      [{ ...agentBody, name: 'x3', enabledTools: ['launchMissiles'] }, 'body.enabledTools.0'],
      [
        { ...agentBody, name: 'x4', businessHours: { mon: [['17:00', '09:00']] } },
        'body.businessHours.mon.0',
      ],
      [{ ...agentBody, name: 'x5', phoneNumbers: ['0142000000'] }, 'body.phoneNumbers.0'],
      [{ ...agentBody, name: 'x6', isAdmin: true }, 'body'],
      [{ name: 'x7' }, 'body.systemPrompt'],
    ];
    for (const [payload, field] of cases) {
      const res = await api.as('admin', { method: 'POST', url: '/api/v1/agents', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    const taken = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/agents',
      payload: { ...agentBody, name: 'Other', phoneNumbers: ['+33142000001'] },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.field).toBe('body.phoneNumbers');
    expect(await api.prisma.agent.count()).toBe(before);
    const notJson = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/agents',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('invalid_request');
    const missing = await api.as('admin', {
      method: 'PATCH',
      url: `/api/v1/agents/${randomUUID()}`,
      payload: { greeting: 'x' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('replays the first response for a repeated Idempotency-Key and refuses its reuse for another body', async () => {
    const headers = { 'idempotency-key': 'dnc-add-0001' };
    const first = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: '+14155550150', reason: 'asked' },
      headers,
    });
    expect(first.statusCode).toBe(201);
    await api.prisma.doNotCallEntry.delete({ where: { phone: '+14155550150' } });
    const again = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: '+14155550150', reason: 'asked' },
      headers,
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    // Replayed, not re-applied: the entry deleted above was not recreated.
    expect(await api.prisma.doNotCallEntry.count({ where: { phone: '+14155550150' } })).toBe(0);
    const reused = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: '+14155550151' },
      headers,
    });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    // Keys are per API key: the same key from another caller is a new request.
    const other = await api.as('admin', {
      method: 'POST',
      url: '/api/v1/dnc',
      payload: { phone: '+14155550151' },
      headers,
    });
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
  });

  it('imports do-not-call numbers from CSV and JSON with a row-by-row report, and removes one', async () => {
    const csv = 'phone,reason\n+14155550160,opt-out\nnot-a-number,x\n+14155550161,\n+14155550160,dup\n';
    const res = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc/import',
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      added: 2,
      exists: 1,
      invalid: 1,
      rows: [
        { row: 1, phone: '+14155550160', status: 'added' },
        { row: 2, status: 'invalid' },
        { row: 3, phone: '+14155550161', status: 'added' },
        { row: 4, phone: '+14155550160', status: 'exists' },
      ],
    });
    const json = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc/import',
      payload: ['+14155550161', { phone: '+14155550162', reason: 'complaint' }, { phone: 42 }],
    });
    expect(json.json()).toMatchObject({ added: 1, exists: 1, invalid: 1 });
    const badCsv = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc/import',
      payload: 'number\n+14155550163\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(badCsv.statusCode).toBe(400);

    const list = await api.as('campaign_manager', { method: 'GET', url: '/api/v1/dnc?limit=200' });
    const phones = list.json().items.map((e: { phone: string }) => e.phone);
    expect(phones).toEqual(expect.arrayContaining(['+14155550160', '+14155550161', '+14155550162']));
    const removed = await api.as('campaign_manager', {
      method: 'DELETE',
      url: `/api/v1/dnc/${encodeURIComponent('+14155550160')}`,
    });
    expect(removed.statusCode).toBe(200);
    expect(await api.prisma.doNotCallEntry.count({ where: { phone: '+14155550160' } })).toBe(0);
    const again = await api.as('campaign_manager', {
      method: 'DELETE',
      url: `/api/v1/dnc/${encodeURIComponent('+14155550160')}`,
    });
    expect(again.statusCode).toBe(404);
    const actions = (
      await api.prisma.auditLogEntry.findMany({ where: { action: { startsWith: 'dnc.' } } })
    ).map((a) => a.action);
    expect(actions.filter((a) => a === 'dnc.import')).toHaveLength(2);
    expect(actions).toContain('dnc.remove');
  });

  it('lists customers and shows one with appointments; cancels an appointment with an audit row', async () => {
    const agent = await api.prisma.agent.findFirstOrThrow();
    const customer = await api.prisma.customer.create({ data: { phone: '+14155550170', name: 'Ada' } });
    const appointment = await api.prisma.appointment.create({
      data: {
        customerId: customer.id,
        agentId: agent.id,
        startsAt: new Date(Date.now() + 86_400_000),
        endsAt: new Date(Date.now() + 86_400_000 + 1_800_000),
        timeZone: 'Europe/Paris',
      },
    });
    const detail = await api.as('viewer', { method: 'GET', url: `/api/v1/customers/${customer.id}` });
    expect(detail.json()).toMatchObject({ name: 'Ada', appointments: [{ id: appointment.id }] });
    const byPhone = await api.as('viewer', {
      method: 'GET',
      url: `/api/v1/customers?phone=${encodeURIComponent('+14155550170')}`,
    });
    expect(byPhone.json().items).toHaveLength(1);

    expect(
      (await api.as('viewer', { method: 'POST', url: `/api/v1/appointments/${appointment.id}/cancel` }))
        .statusCode,
    ).toBe(403);
    const cancelled = await api.as('admin', {
      method: 'POST',
      url: `/api/v1/appointments/${appointment.id}/cancel`,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ appointmentId: appointment.id, status: 'cancelled' });
    const audit = await api.prisma.auditLogEntry.findFirst({ where: { action: 'appointment.cancel' } });
    expect(audit?.target).toBe(`appointment:${appointment.id}`);
    const past = await api.as('admin', {
      method: 'POST',
      url: `/api/v1/appointments/${appointment.id}/reschedule`,
      payload: { startsAt: '2020-01-06T09:00:00+01:00' },
    });
    expect(past.statusCode).toBe(409);
    expect(past.json().error).toMatchObject({ field: 'body.startsAt' });
  });

  it('refuses a body over the size limit with 413 and the error shape', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => `+1415${String(i).padStart(7, '0')}`);
    const res = await api.as('campaign_manager', {
      method: 'POST',
      url: '/api/v1/dnc/import',
      payload: rows,
    });
    expect(JSON.stringify(rows).length).toBeGreaterThan(1_048_576);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(await api.prisma.doNotCallEntry.count({ where: { phone: '+14150000001' } })).toBe(0);
  });

  it('publishes an OpenAPI document listing every route, and a docs page', async () => {
    const doc = (await api.as('viewer', { method: 'GET', url: '/api/v1/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const registered = api.app.routeInventory
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !['/health', '/ready'].includes(r.url))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(registered.sort());
    expect(doc.paths['/api/v1/calls'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'direction', 'customerPhone']),
    );
    const page = await api.app.inject({ method: 'GET', url: '/api/v1/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/api/v1/docs/app.js');
    expect(page.body).not.toMatch(/https?:\/\//);
  });

  it('serves Prometheus metrics to a key holder', async () => {
    const agent = await api.prisma.agent.findFirstOrThrow();
    const call = await api.prisma.call.create({
      data: {
        callSid: 'CAmetrics01',
        direction: 'inbound',
        from: '+1',
        to: '+2',
        status: 'completed',
        outcome: 'transferred',
        agentId: agent.id,
      },
    });
    await api.prisma.turn.createMany({
      data: [420, 480, 900].map((ms, sequence) => ({
        callId: call.id,
        sequence,
        role: 'assistant' as const,
        firstFrameMs: ms,
      })),
    });
    const res = await api.as('viewer', { method: 'GET', url: '/metrics' });
    expect(res.body).toContain('switchboard_calls{status="completed",outcome="transferred"} 1');
    expect(res.body).toContain('switchboard_turn_latency_last_hour_ms{quantile="0.5"} 480');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('switchboard_api_http_request_duration_ms_bucket');
    expect(res.body).toContain('switchboard_crm_dead_letters 0');
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('keeps keys and phone numbers out of the request logs', async () => {
    const phone = '+14155550199';
    await api.as('campaign_manager', { method: 'POST', url: '/api/v1/dnc', payload: { phone } });
    await api.as('viewer', { method: 'GET', url: `/api/v1/customers?phone=${encodeURIComponent(phone)}` });
    await api.as('campaign_manager', { method: 'DELETE', url: `/api/v1/dnc/${encodeURIComponent(phone)}` });
    const logs = api.logs.text();
    expect(logs).toContain('"route":"/api/v1/dnc/:phone"');
    expect(logs).not.toContain('4155550199');
    for (const { key } of Object.values(api.keys)) expect(logs).not.toContain(key.slice(16));
  });
});
