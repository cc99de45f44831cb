/**
 * The local operations page's statistics: the chart and the figures beside it show the start of
 * care (fristbrudd, the share started in time, the wait from decision to start) from the report.
 */
import { describe, expect, it } from "vitest";
import { COUNTERS, statisticsReport } from "../../functions/domain/statistics";
import { conditionChartSvg, renderOperationsPage, statisticsChartSvg } from "../../lib/local/operations/page";

function report() {
  const counters = new Map([
    [
      "2025-03",
      {
        [COUNTERS.referrals]: 6,
        [COUNTERS.granted]: 5,
        [COUNTERS.startOfCareExpected]: 1,
        [COUNTERS.startOfCareBreached]: 2,
        [COUNTERS.startOfCareBreachedBasis("expected")]: 1,
        [COUNTERS.startOfCareBreachedBasis("default")]: 1,
        [COUNTERS.startOfCareReported]: 1,
        [COUNTERS.startOfCareStarted]: 3,
        [COUNTERS.startOfCareStartedInTime]: 3,
        [COUNTERS.startOfCareWaitDays(20)]: 1,
        [COUNTERS.startOfCareWaitDays(41)]: 2,
      },
    ],
  ]);
  return statisticsReport({ from: "2025-03-01", to: "2025-04-30", by: "month" }, counters);
}

describe("the operations page's statistics", () => {
  it("marks each month's start-of-care breaches on the chart", () => {
    const svg = statisticsChartSvg(report());

    expect(svg).toContain("2025-03: 2 start-of-care breaches");
    expect(svg).not.toContain("2025-04: 0 start-of-care");
  });

  it("lists the breaches, the share started within the deadline and the median wait to start", () => {
    const html = renderOperationsPage({
      clock: "2025-05-01T10:00:00Z",
      persistent: false,
      today: "2025-05-01",
      executions: [],
      executionRows: [],
      statistics: report(),
      sections: [],
    });

    expect(html).toContain(
      "<th>Start-of-care breaches: expected / on record / reported</th><td>1 / 2 / 1</td>",
    );
    expect(html).toContain("<th>On record by basis: expected / confirmed / default</th><td>1 / 0 / 1</td>");
    // 3 started in time of 3 + 2 breaches settled.
    expect(html).toContain("<th>Care started within the deadline</th><td>60 %</td>");
    expect(html).toContain("<th>Median days from decision to start</th><td>41</td>");
  });

  it("shows the decisions by condition of the priority guide, with the share that departed from it", () => {
    const counters = new Map([
      [
        "2025-03",
        {
          [COUNTERS.referrals]: 4,
          [COUNTERS.granted]: 3,
          [COUNTERS.refused]: 1,
          [COUNTERS.condition("ansiktssmerter")]: 4,
          [COUNTERS.conditionOutcome("ansiktssmerter", "granted")]: 3,
          [COUNTERS.conditionOutcome("ansiktssmerter", "refused")]: 1,
          [COUNTERS.conditionDeviated("ansiktssmerter")]: 1,
          [COUNTERS.conditionDeadlineDays("ansiktssmerter", 182)]: 3,
        },
      ],
    ]);
    const withConditions = statisticsReport({ from: "2025-03-01", to: "2025-03-31", by: "month" }, counters);

    const svg = conditionChartSvg(withConditions);
    const html = renderOperationsPage({
      clock: "2025-05-01T10:00:00Z",
      persistent: false,
      today: "2025-05-01",
      executions: [],
      executionRows: [],
      statistics: withConditions,
      sections: [],
    });

    expect(svg).toContain("<title>ansiktssmerter: 3 granted</title>");
    expect(svg).toContain("4 decided, 25 % departed");
    expect(html).toContain(
      "<tr><td><code>ansiktssmerter</code></td><td>4</td><td>75 %</td><td>25 %</td><td>182</td><td>25 %</td></tr>",
    );
    expect(conditionChartSvg(report())).toBe("");
  });
});
