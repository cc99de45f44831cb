/**
 * Cursors for Queries on the `worklist` index: a LastEvaluatedKey written as base64url of its JSON.
 * What a cursor must hold beyond the shape of the key (which partition, which kind of item) each
 * list checks itself.
 */

/** The key of an item in the index: the index keys plus the table keys (what LastEvaluatedKey holds). */
export const CURSOR_KEYS = ["gsi1pk", "gsi1sk", "pk", "sk"] as const;

/** A decoded cursor: an ExclusiveStartKey on the index. */
export type CursorKey = Record<(typeof CURSOR_KEYS)[number], string>;

/** The keys of an item in the portal index (`byPortal`). */
export const PORTAL_CURSOR_KEYS = ["gsi2pk", "gsi2sk", "pk", "sk"] as const;

/**
 * Turns a LastEvaluatedKey into an opaque, URL-safe cursor (base64url of its JSON): the key
 * attributes of the index it came from (the worklist index's unless `names` says otherwise).
 */
export function encodeCursor(key: Record<string, unknown>, names: readonly string[] = CURSOR_KEYS): string {
  const ordered = Object.fromEntries(names.map((name) => [name, key[name]]));
  return Buffer.from(JSON.stringify(ordered), "utf8").toString("base64url");
}

/**
 * Turns a cursor back into a key: JSON of an object with exactly the four key attributes, all
 * strings. Returns undefined for anything else; the caller then applies its own checks and throws
 * its own error.
 */
export function decodeCursor(cursor: string): CursorKey | undefined;
export function decodeCursor<K extends string>(
  cursor: string,
  names: readonly K[],
): Record<K, string> | undefined;
export function decodeCursor(
  cursor: string,
  names: readonly string[] = CURSOR_KEYS,
): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (
    keys.length !== names.length ||
    !names.every((name) => keys.includes(name) && typeof record[name] === "string")
  ) {
    return undefined;
  }
  return record as Record<string, string>;
}
