/**
 * zilencer/views.py validate_uuid: `str(UUID(x, version=4)) == x`. Python's UUID() accepts
 * braces, "urn:uuid:" and missing hyphens and then *forces* the version and variant bits, so
 * only the canonical lower-case hyphenated form of a real version-4 UUID survives the
 * round-trip.
 */
const CANONICAL_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const isCanonicalUuid4 = (s: string): boolean => CANONICAL_V4.test(s);
