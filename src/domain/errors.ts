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
