import {
  patchBodyValidation, scimPatch, ScimError, type ScimPatch, type ScimPatchOperation,
  type ScimResource,
} from 'scim-patch';
import { invalidPath, invalidSyntax, invalidValue, ScimSpError } from './errors.js';

// The imitated service takes a person's name in a PATCH only as name.formatted.
const SPLIT_NAME = /^name\.(givenname|familyname)$/i;
const SPLIT_NAME_MESSAGE = (attribute: string) =>
  `${attribute} is not supported in a PATCH request; send name.formatted instead`;

/**
 * Applies a SCIM PatchOp body to a resource with scim-patch, after checking the body's
 * form. Returns the patched copy; the original is left untouched.
 */
export function applyPatch<T extends ScimResource>(resource: T, body: unknown): T {
  const patch = validatePatchBody(body);
  try {
    return scimPatch(resource, [...patch.Operations], { mutateDocument: false });
  } catch (error) {
    throw toScimSpError(error);
  }
}

/**
 * Refuses name.givenName and name.familyName in a user PATCH, whether named in the
 * path or carried inside a value, so a client that sends them learns it must send
 * name.formatted.
 */
export function refuseSplitName(body: unknown): void {
  const operations = validatePatchBody(body).Operations;
  for (const operation of operations) {
    if (operation.path && SPLIT_NAME.test(operation.path)) {
      throw invalidPath(SPLIT_NAME_MESSAGE(operation.path));
    }
    const attribute = splitNameInValue(operation);
    if (attribute) throw invalidValue(SPLIT_NAME_MESSAGE(attribute));
  }
}

function validatePatchBody(body: unknown): ScimPatch {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (typeof body !== 'object' || !Array.isArray(operations)) {
    throw invalidSyntax('A PATCH body needs the PatchOp schema and an Operations list');
  }
  const patch = { ...body, Operations: operations.map(normaliseOperation) } as ScimPatch;
  try {
    patchBodyValidation(patch);
  } catch (error) {
    throw toScimSpError(error);
  }
  return patch;
}

// SCIM operation names are case-insensitive; scim-patch knows only two spellings.
function normaliseOperation(operation: unknown): unknown {
  const op = (operation as { op?: unknown } | null)?.op;
  return typeof op === 'string' ? { ...(operation as object), op: op.toLowerCase() } : operation;
}

function splitNameInValue(operation: ScimPatchOperation): string | undefined {
  const value = operation.value as Record<string, unknown> | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const path = operation.path?.toLowerCase();
  const name = path === 'name' ? value : path ? undefined : value.name;
  const dotted = path ? [] : Object.keys(value).filter((k) => SPLIT_NAME.test(k));
  if (dotted[0]) return dotted[0];
  if (typeof name !== 'object' || name === null) return undefined;
  const keys = Object.keys(name).map((k) => `name.${k}`);
  return keys.find((k) => SPLIT_NAME.test(k));
}

function toScimSpError(error: unknown): ScimSpError {
  if (error instanceof ScimSpError) return error;
  if (error instanceof ScimError) {
    const scimType = error.scimCode ?? 'invalidValue';
    return new ScimSpError(400, scimType, error.message);
  }
  return invalidSyntax(`The PATCH body cannot be applied: ${(error as Error).message}`);
}
