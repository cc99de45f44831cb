/**
 * Edits of the public sample messages (test/fixtures/messages) for what the samples do not show.
 */

/** A GP's HER-id (a person communication party), as the GP of a referral may be named beside the HPR number. */
export const GP_HER_ID = "258521";

/**
 * The Henvisning 2.0 sample with its GP ("Kontaktperson" with role 6, Fastlege, named by HPR number)
 * also named by the GP's own HER-id: a referral whose GP gets a copy of the Status på henvisning.
 */
export function withGpHerId(sample: string): string {
  const gpIdentEnd =
    '<fk1:TypeId V="HPR" DN="HPR-nummer" S="2.16.578.1.12.4.1.1.8116"/>\n\t\t\t\t\t\t\t</fk1:Ident>\n\t\t\t\t\t\t</po:Kontaktperson>';
  const text = sample.replace(
    gpIdentEnd,
    gpIdentEnd.replace(
      "</po:Kontaktperson>",
      `<fk1:Ident><fk1:Id>${GP_HER_ID}</fk1:Id><fk1:TypeId V="HER" DN="HER-id" S="2.16.578.1.12.4.1.1.9051"/></fk1:Ident>\n\t\t\t\t\t\t</po:Kontaktperson>`,
    ),
  );
  // An edit that found nothing to change would leave a test asserting the sample as it is.
  if (text === sample) throw new Error("the sample's GP was not found");
  return text;
}
