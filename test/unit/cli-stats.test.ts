/** `frist stats`: asks GET /statistics of the API it is pointed at and prints CSV for scripts. */
import { describe, expect, it } from "vitest";
import { runCli } from "../../bin/cli";

function io(answer: (url: string, init?: RequestInit) => Response) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: { url: string; accept: string }[] = [];
  return {
    out,
    err,
    asked,
    io: {
      out: (text: string) => out.push(text),
      err: (text: string) => err.push(text),
      fetch: (async (url: string, init?: RequestInit) => {
        asked.push({ url, accept: String((init?.headers as Record<string, string>)?.accept) });
        return answer(url, init);
      }) as typeof fetch,
    },
  };
}

describe("frist stats", () => {
  it("asks the API for the period as CSV and prints it", async () => {
    const run = io(() => new Response("period,referrals\r\n2025,12\r\ntotal,12\r\n", { status: 200 }));

    const code = await runCli(
      [
        "stats",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--by",
        "month",
        "--suppress-below",
        "5",
        "--api",
        "http://frist.test/prod/",
      ],
      run.io,
    );

    expect(code).toBe(0);
    expect(run.asked).toEqual([
      {
        url: "http://frist.test/prod/statistics?from=2025-01-01&to=2025-12-31&by=month&suppressBelow=5",
        accept: "text/csv",
      },
    ]);
    expect(run.out).toEqual(["period,referrals\n2025,12\ntotal,12"]);
  });

  it("sends a session id that begins with a dash, given as --session=<id> (1 in 64 ids do)", async () => {
    const cookies: string[] = [];
    const run = io((_url, init) => {
      cookies.push(String((init?.headers as Record<string, string>)?.cookie));
      return new Response("period,referrals\r\n", { status: 200 });
    });

    const code = await runCli(
      ["stats", "--from", "2025-01-01", "--to", "2025-12-31", "--session=-Ab_9"],
      run.io,
    );

    expect(code).toBe(0);
    expect(cookies).toEqual(["frist_session=-Ab_9"]);
  });

  it("names the option the API refused and exits 2", async () => {
    const run = io(
      () =>
        new Response(
          JSON.stringify({
            error: "validation_failed",
            issues: [{ path: "to", message: "must not be before from" }],
          }),
          {
            status: 400,
          },
        ),
    );

    const code = await runCli(["stats", "--from", "2025-02-01", "--to", "2025-01-01", "--json"], run.io);

    expect(code).toBe(2);
    expect(run.asked[0]?.accept).toBe("application/json");
    expect(run.err).toEqual(["frist: --to must not be before from"]);
  });

  it("exits 2 without asking when --from or --to is missing", async () => {
    const run = io(() => new Response("", { status: 200 }));
    expect(await runCli(["stats", "--from", "2025-01-01"], run.io)).toBe(2);
    expect(run.asked).toEqual([]);
  });
});
