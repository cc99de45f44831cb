/**
 * GET /inbox/{letterLink}: a letter, read by its recipient after sign-in; the link comes from the
 * neutral notice email. The patient's copy asks for sign-in as a patient (ID-porten), the
 * referrer's letter and the GP's copy for sign-in as health personnel (HelseID). Someone else, even
 * signed in, gets the same 404 as for a link that does not exist; every read and every refused
 * attempt lands in the referral's access log. A link that does not exist answers 404 at once.
 */
import { apiRoute, HttpAnswer, html } from "../adapters/http";
import { accessLog, clock, dependencies, publicBaseUrl, store } from "../adapters/root";
import { audienceOfRecipient, letterOfLink, readLetter } from "../domain/letter-reading";
import type { Principal } from "../domain/session";
import { renderLetterPage } from "../views/letter-notice";
import { renderMessagePage } from "../views/message-pages";

const deps = dependencies(store, clock, accessLog, publicBaseUrl);

/** One page for "no such link" and "not yours": it must not tell the two apart. */
const notFound = () =>
  html(
    404,
    renderMessagePage({
      title: "Fant ikke brevet",
      paragraphs: [
        "Vi fant ikke noe brev for denne lenken til den du er logget inn som.",
        "Kontakt klinikken om du mener du skal ha et brev fra oss.",
      ],
    }),
  );

function signedInAs(principal: Principal): string {
  switch (principal.kind) {
    case "patient":
      return principal.name ?? "pasient";
    case "professional":
      return `${principal.name ?? "helsepersonell"} (HPR ${principal.hprNumber})`;
    case "staff":
      return principal.name;
  }
}

export const handler = apiRoute(
  {
    name: "letter-page",
    page: true,
    access: {
      audiences: async (event) => {
        const found = await letterOfLink(deps.store, event.pathParameters?.letterLink);
        if (!found) throw new HttpAnswer(notFound());
        return [audienceOfRecipient(found.letter.recipientRole)];
      },
    },
  },
  async ({ event, session }) => {
    if (!session) throw new Error("a letter page without a session");
    const result = await readLetter(deps, event.pathParameters?.letterLink, session.principal);
    if (result.kind === "not-found") return notFound();
    return html(
      200,
      renderLetterPage({
        letter: result.letter,
        signedInAs: signedInAs(session.principal),
        csrfToken: session.csrfToken,
        logoutAction: `${deps.publicBaseUrl}/auth/logout`,
      }),
    );
  },
);
