import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { TodaysTokens } from "../src/components/Sidebar.jsx";

const usage = (tokens) => ({ today: { day: "2026-12-07", tokens, budget: 1000, remaining: Math.max(0, 1000 - tokens), resets_at: "2026-12-08T00:00:00.000Z" } });

describe("today's tokens", () => {
  it("says how much of the budget is used, quietly below 80 %", () => {
    const { container } = render(<TodaysTokens usage={usage(250)} />);
    const line = container.querySelector(".usage");
    expect(line.textContent).toContain("250 of 1,000 tokens (25 %)");
    expect(line.className).toBe("usage ok");
  });

  it("warns from 80 % and says when the count starts again", () => {
    const { container } = render(<TodaysTokens usage={usage(850)} />);
    const line = container.querySelector("[role=status]");
    expect(line.textContent).toContain("over 80 % used; the count starts again");
  });

  it("says at 100 % that the tokens are used up, and when chatting works again", () => {
    const { container } = render(<TodaysTokens usage={usage(1200)} />);
    expect(container.querySelector("[role=status]").textContent).toContain("(100 %) · today's tokens are used up; you can chat again");
  });
});
