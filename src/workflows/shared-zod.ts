/**
 * Evaluated once per workflow sandbox, not once per workflow (worker.ts `preloadModules`). The
 * SDK's reusable V8 context otherwise runs every module a workflow imports again for each new
 * workflow, and evaluating zod was about a tenth of the workflow thread's time in a campaign.
 *
 * Preloaded modules and globals are deep-frozen once preloading ends, and zod writes two things
 * lazily, on first use: its default English locale (into a global config object) and whether the
 * runtime may compile code (a cached flag object its object parser consults). Written after the
 * freeze, both would throw inside a workflow, so this module makes zod write them now. Schemas
 * themselves are still built per workflow (src/domain/lazy-schema.ts) and are never frozen.
 */
import { z } from 'zod';

export const zodReady = z.object({ ready: z.literal(true) }).safeParse({ ready: true }).success;
