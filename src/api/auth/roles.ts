import type { ApiKeyRole } from '../../db/enums.ts';

export type Role = ApiKeyRole;
export const ALL_ROLES: readonly Role[] = ['admin', 'campaign_manager', 'viewer'];
/** Reads of operational data: every role. */
export const READERS: readonly Role[] = ALL_ROLES;
/** Campaigns, contacts and the do-not-call list. */
export const MANAGERS: readonly Role[] = ['admin', 'campaign_manager'];
export const ADMINS: readonly Role[] = ['admin'];

/** Who made a request, as the auth hook established it. */
export interface Actor {
  keyId: string;
  role: Role;
  name: string;
}

/** `public`: no key needed; otherwise the roles allowed. Every route declares one. */
export type Access = 'public' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Mutations spend from the stricter rate-limit bucket. */
    mutating?: boolean;
    /** A route's own bucket per key, on top of the general ones (costly or sensitive routes). */
    rateLimit?: { perMinute: number };
  }
  interface FastifyRequest {
    actor?: Actor;
  }
}
