"""The first word as a person sees it: from the Enter key to the reply's first text
painted, in headless Chromium against the local stack (the web UI `make dev` serves),
less the model's own time to first token (the stub's record of the same reply).

Usage: python -m benchmarks.streaming_browser [--samples 20]
"""

from __future__ import annotations

import argparse
import statistics
import uuid
from typing import Any

from playwright.sync_api import Page, sync_playwright

from benchmarks.report import print_table
from local.template import ROOT
from local.testing import running_stack
from tests.support.chromium import CHROMIUM_ARGS, chromium_executable
from tests.support.stub_records import stub_record_of

STUB_DELAY_SECONDS = 0.3
# Page-side clocks: the Enter key's keydown, then the first frame painted after the live
# reply shows text (a requestAnimationFrame after the DOM change is the next paint).
_WATCH = """() => {
  window.__firstWord = {};
  if (window.__watching) return;
  window.__watching = true;
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter") window.__firstWord = { enter: performance.now() };
  }, true);
  new MutationObserver(() => {
    const mark = window.__firstWord;
    if (!mark.enter || mark.text) return;
    const live = document.querySelector("ol.messages [data-live] .markdown");
    if (live && live.textContent.trim()) {
      mark.text = performance.now();
      requestAnimationFrame(() => { mark.painted = performance.now(); });
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def _sample(page: Page, stack: Any, number: int) -> tuple[float, float]:
    """(Enter to first text painted, the model's own time to first token), in ms."""
    marker = f"paint {number} {uuid.uuid4().hex}"
    page.evaluate(_WATCH)
    box = page.get_by_label("Message", exact=True)
    box.fill(f"{marker} [stub:delay={STUB_DELAY_SECONDS}]")
    box.press("Enter")
    page.wait_for_function("() => window.__firstWord.painted", timeout=30_000)
    mark = page.evaluate("() => window.__firstWord")
    page.locator("ol.messages [data-live]").wait_for(state="detached", timeout=30_000)
    page.get_by_role("button", name="Send").wait_for()
    record = stub_record_of(stack, marker)
    model = (record["first_chunk_at"] - record["received_at"]) * 1000
    return mark["painted"] - mark["enter"], model


def browser_first_text(stack: Any, samples: int) -> dict[str, Any]:
    executable = chromium_executable()
    if executable is None:
        raise RuntimeError("Debian's chromium is missing: run `scripts/bootstrap.sh --browser`")
    if not (ROOT / "web" / "dist" / "index.html").exists():
        raise RuntimeError("web/dist is not built: run `make web`")
    painted, models = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        page.goto(stack.base_url + "/")
        page.get_by_label("User name").fill(f"bench-paint-{uuid.uuid4().hex[:6]}")
        page.get_by_role("button", name="Sign in").click()
        for number in range(samples + 2):  # the first two warm the functions up
            enter_to_paint, model = _sample(page, stack, number)
            if number >= 2:
                painted.append(enter_to_paint)
                models.append(model)
        browser.close()
    overheads = [p - m for p, m in zip(painted, models, strict=True)]
    return {
        "samples": samples,
        "enter_to_first_text_painted_ms_median": round(statistics.median(painted), 1),
        "model_ttft_ms_median": round(statistics.median(models), 1),
        "overhead_ms_median": round(statistics.median(overheads), 1),
        "overhead_ms_p90": round(sorted(overheads)[int(len(overheads) * 0.9) - 1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    with running_stack(env={"RATE_LIMIT_TURNS_PER_MINUTE": "100000"}) as stack:
        row = browser_first_text(stack, args.samples)
    print_table("Enter to first reply text painted (headless Chromium)", [row])


if __name__ == "__main__":
    main()
