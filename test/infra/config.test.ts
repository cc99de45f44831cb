import { describe, expect, it } from "vitest";
import { PRIORITY_GUIDE_DEFINE } from "../../functions/adapters/priority-guide";
import { createFristApp, readCdkJsonContext } from "../../lib/app";
import { bundleDefinesOfConfig, clinicConfigJson, parseFristConfig } from "../../lib/config";

const cdkJson = readCdkJsonContext();
const reader = (overrides: Record<string, unknown>) => (key: string) =>
  key in overrides ? overrides[key] : cdkJson[key];

describe("the Frist configuration", () => {
  it("reads cdk.json's context and defaults the region to eu-north-1", () => {
    // Act
    const config = parseFristConfig(reader({ "frist:region": undefined }));

    // Assess
    expect(config.region).toBe("eu-north-1");
    expect(config.senderEmail).toBe(cdkJson["frist:senderEmail"]);
    expect(config.sesConfigurationSet).toBe(cdkJson["frist:sesConfigurationSet"]);
    expect(config.intakeTeam.length).toBeGreaterThan(0);
    expect(config.alarmEmail).toBeUndefined();
  });

  it("takes the letter recipients' issuers with the scopes each is asked for, and refuses scopes without openid", () => {
    const config = parseFristConfig(
      reader({
        "frist:recipientSignIn": {
          patient: { issuer: "https://idporten.no", clientId: "frist-pasient", scope: "openid profile" },
          professional: { issuer: "https://helseid-sts.nhn.no", clientId: "frist-helsepersonell" },
        },
      }),
    );
    expect(config.recipientSignIn.patient).toEqual({
      issuer: "https://idporten.no",
      clientId: "frist-pasient",
      scope: "openid profile",
      claim: "pid",
    });
    expect(config.recipientSignIn.professional?.scope).toBeUndefined();
    expect(() =>
      parseFristConfig(
        reader({
          "frist:recipientSignIn": {
            patient: { issuer: "https://idporten.no", clientId: "frist-pasient", scope: "profile email" },
          },
        }),
      ),
    ).toThrow(/frist:recipientSignIn/);
  });

  it("reads each recipient provider's identifying claim, defaulting to ID-porten's pid and HelseID's HPR claim", () => {
    const defaults = parseFristConfig(
      reader({
        "frist:recipientSignIn": {
          patient: { issuer: "https://idporten.no", clientId: "frist-pasient" },
          professional: { issuer: "https://helseid-sts.nhn.no", clientId: "frist-helsepersonell" },
        },
      }),
    );
    expect(defaults.recipientSignIn.patient?.claim).toBe("pid");
    expect(defaults.recipientSignIn.professional?.claim).toBe("helseid://claims/hpr/hpr_number");
    const broker = parseFristConfig(
      reader({
        "frist:recipientSignIn": {
          professional: { issuer: "https://broker.example", clientId: "frist", claim: "hpr" },
        },
      }),
    );
    expect(broker.recipientSignIn.professional?.claim).toBe("hpr");
    expect(broker.recipientSignIn.patient).toBeUndefined();
    for (const claim of ["", "has space", "x".repeat(201)]) {
      expect(() =>
        parseFristConfig(
          reader({
            "frist:recipientSignIn": { patient: { issuer: "https://idporten.no", clientId: "c", claim } },
          }),
        ),
      ).toThrow(/frist:recipientSignIn\.patient\.claim/);
    }
  });

  it("rejects a sender that is not an email address, naming the context key", () => {
    expect(() => parseFristConfig(reader({ "frist:senderEmail": "not-an-address" }))).toThrow(
      /frist:senderEmail/,
    );
  });

  it("rejects an intake team member without an email, naming the member", () => {
    const team = [{ name: "Ingrid Lie", role: "physician" }];

    expect(() => parseFristConfig(reader({ "frist:intakeTeam": team }))).toThrow(
      /frist:intakeTeam\.0\.email/,
    );
  });

  it("accepts the clinic as a JSON string, as `-c frist:clinic=...` passes it", () => {
    const config = parseFristConfig(reader({ "frist:clinic": JSON.stringify(cdkJson["frist:clinic"]) }));

    expect(config.clinic).toEqual(cdkJson["frist:clinic"]);
  });

  it("builds CLINIC_CONFIG from the clinic, its team and its rules, with defaults for rules not given", () => {
    const config = parseFristConfig(reader({ "frist:alarmEmail": "drift@smerteklinikk.example" }));

    const clinicConfig = JSON.parse(clinicConfigJson(config));

    expect(clinicConfig).toMatchObject({
      clinic: cdkJson["frist:clinic"],
      intakeTeam: cdkJson["frist:intakeTeam"],
      legalClock: { workingWeekdays: [1, 2, 3, 4, 5], closures: [], reminderWorkingDay: 8 },
    });
    expect(Object.keys(clinicConfig).sort()).toEqual([
      "clinic",
      "decision",
      "intakePlanning",
      "intakeTeam",
      "legalClock",
    ]);
    expect(JSON.stringify(clinicConfig)).not.toContain("drift@smerteklinikk.example");
  });

  it("takes a clinic's own priority guide table from frist:priorityGuide into the bundles, not CLINIC_CONFIG, and refuses one without its source", () => {
    const table = {
      title: "Prioriteringsveileder – smertetilstander",
      version: "2024-06-19",
      source: "https://www.helsedirektoratet.no/veiledere/prioriteringsveiledere/smertetilstander",
      checkedOn: "2026-12-01",
      conditions: [
        {
          id: "ansiktssmerter",
          name: "Ansiktssmerter",
          advisedRight: "granted",
          maxWeeksToStart: 26,
          source: { url: "https://01.fastlegeportalen.no/veiledere/section/9509/", date: "2015-09-24" },
        },
      ],
    };
    const config = parseFristConfig(reader({ "frist:priorityGuide": table }));
    expect(bundleDefinesOfConfig(config)).toEqual({
      [PRIORITY_GUIDE_DEFINE]: expect.objectContaining({
        version: "2024-06-19",
        conditions: [expect.objectContaining({ id: "ansiktssmerter", maxWeeksToStart: 26, factors: [] })],
      }),
    });
    expect(clinicConfigJson(config)).not.toContain("ansiktssmerter");
    // Without a table of the clinic's own, nothing is compiled in: the bundles carry the shipped one.
    expect(bundleDefinesOfConfig(parseFristConfig(reader({})))).toEqual({});

    const { source: _source, ...unsourced } = table.conditions[0] as Record<string, unknown>;
    expect(() =>
      parseFristConfig(reader({ "frist:priorityGuide": { ...table, conditions: [unsourced] } })),
    ).toThrow(/frist:priorityGuide\.conditions\.0\.source/);
  });

  it("takes a clinic's own working weekdays and closures from frist:legalClock", () => {
    const config = parseFristConfig(
      reader({ "frist:legalClock": { workingWeekdays: [1, 2, 3, 4, 5, 6], closures: ["2026-12-24"] } }),
    );

    expect(config.legalClock).toMatchObject({
      workingWeekdays: [1, 2, 3, 4, 5, 6],
      closures: ["2026-12-24"],
    });
  });

  it("deploys to the region and task-link base URL given in the context", () => {
    // Act
    const { stack } = createFristApp({
      bundling: false,
      validateTemplate: false,
      context: { "frist:region": "eu-west-1", "frist:publicBaseUrl": "https://frist.example.no/" },
    });

    // Assess
    expect(stack.region).toBe("eu-west-1");
    expect(stack.config.publicBaseUrl).toBe("https://frist.example.no");
  });
});
