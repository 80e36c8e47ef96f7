import { AppError } from './errors.js';

/** The region of a client or room server that names none (and of everything stored before regions). */
export const defaultRegion = 'default';

/** A region name: short, lower-case, safe inside a Redis hash tag and as a metric label value. */
const regionPattern = /^[a-z0-9-]{1,32}$/;
/** The rule in words, for errors and help texts. */
export const regionNameRule = "1 to 32 of a-z 0-9 '-'";

/** Whether `name` is a well-formed region name (not whether any server serves it). */
export function isRegionName(name: string): boolean {
  return regionPattern.test(name);
}

/** The region a request names ('' = the default one); INVALID_ARGUMENT when the name is malformed. */
export function regionOf(requested: string): string {
  if (requested === '') return defaultRegion;
  if (!isRegionName(requested)) throw new AppError('invalid_argument', `region must be ${regionNameRule}`);
  return requested;
}
