/**
 * Typed errors shared across the code base. Each edge translates them: the launcher prints
 * their message on one line, the API maps them to HTTP, activities to ApplicationFailure.
 */

/** Start-up cannot proceed (port taken, dependency unreachable, already running). */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** A dependency did not answer a health probe. */
export class DependencyDownError extends Error {
  override name = 'DependencyDownError';
}

/** What went wrong with a vendor, in terms the call session can act on. */
export type ProviderErrorKind =
  | 'auth'
  | 'bad-request'
  | 'rate-limit'
  | 'unavailable'
  | 'timeout'
  | 'aborted'
  | 'protocol';

/**
 * A vendor failure translated at the adapter edge. `retryable` says whether trying the same
 * vendor again can help (rate limits, outages, timeouts); auth and bad requests never do.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly retryable: boolean;
  /** HTTP status or WebSocket close code from the vendor, when there was one. */
  readonly status: number | undefined;

  constructor(
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`${provider}: ${message}`, { cause: options?.cause });
    this.status = options?.status;
    this.retryable = kind === 'rate-limit' || kind === 'unavailable' || kind === 'timeout';
  }
}

/** A campaign (or a settings change) was refused; `issues` names each offending row and field. */
export class CampaignValidationError extends Error {
  override name = 'CampaignValidationError';
  constructor(
    readonly issues: { row?: number; field: string; message: string }[],
    /** How many issues there were in all; `issues` may be capped for very large uploads. */
    readonly issueCount: number = issues.length,
  ) {
    super(
      `campaign rejected: ${issueCount} problem(s), first: ${
        issues[0]
          ? `${issues[0].row === undefined ? '' : `row ${issues[0].row} `}${issues[0].field}: ${issues[0].message}`
          : 'none'
      }`,
    );
  }
}

/** The campaign exists but cannot do what was asked in its current state (e.g. start a finished one). */
export class CampaignStateError extends Error {
  override name = 'CampaignStateError';
}

/** No campaign with that id. */
export class CampaignNotFoundError extends Error {
  override name = 'CampaignNotFoundError';
}
