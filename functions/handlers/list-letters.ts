/** GET /letters?status=awaiting-postal: the letters someone must post, oldest first, from an index. */
import { json, jsonRoute, validationFailed } from "../adapters/http";
import { dependencies, postalQueue } from "../adapters/root";
import { InvalidPostalCursor, parsePostalQuery } from "../domain/postal";

const deps = dependencies(postalQueue);

export const handler = jsonRoute({ name: "reading the postal list" }, async ({ event }) => {
  const query = parsePostalQuery(event.queryStringParameters);
  if (!query.ok) return json(400, { error: "validation_failed", issues: query.issues });
  const page = await deps.postalQueue.page(query.value).catch((error: unknown) => {
    throw error instanceof InvalidPostalCursor ? validationFailed("cursor", error.message) : error;
  });
  return json(200, page);
});
