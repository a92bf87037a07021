/**
 * typed_endpoint messages for values nested inside the analytics upload's Json[...] fields
 * (zerver/lib/typed_endpoint.py ERROR_TEMPLATES; bouncer-protocol.md §1.4). `varName` is the
 * parameter name plus the pydantic location, e.g. `realms[0]["org_type"]`.
 */
import { badRequest } from '../errors';

export const notAList = (varName: string) => badRequest(`${varName} is not a list`);
export const notADict = (varName: string) => badRequest(`${varName} is not a dict`);
export const notAString = (varName: string) => badRequest(`${varName} is not a string`);
export const notABoolean = (varName: string) => badRequest(`${varName} is not a boolean`);
export const notAFloat = (varName: string) => badRequest(`${varName} is not a float`);
export const notAnIntegerAt = (varName: string) => badRequest(`${varName} is not an integer`);
/** pydantic value_error: `Invalid <var>: Value error, <msg>`. */
export const valueError = (varName: string, msg: string) => badRequest(`Invalid ${varName}: Value error, ${msg}`);
/** extra_forbidden: the location includes the extra key itself (Zulip's own tests show this). */
export const unexpectedArgument = (argument: string, varName: string) =>
  badRequest(`Argument "${argument}" at ${varName} is unexpected`);
/**
 * A required key absent from a nested model. Zulip has no template for pydantic's `missing`
 * error (it would answer 500); inferred: we answer 400 with Zulip's older check_dict wording.
 */
export const keyMissing = (key: string, varName: string) => badRequest(`${key} key is missing from ${varName}`);
/**
 * UUID4 fields: pydantic's uuid_parsing / uuid_version have no Zulip template either (500 in
 * Zulip); inferred: 400 in the value_error style with pydantic's own wording.
 */
export const invalidUuidAt = (varName: string, detail: string) => badRequest(`Invalid ${varName}: ${detail}`);
