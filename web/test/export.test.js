import { describe, expect, it } from "vitest";
import { exportFile } from "../src/services/export.js";

// Parts as the API sends them (docs/api.md "Export"): the file is the parts joined.
function fakeApi(parts) {
  const calls = [];
  return {
    calls,
    exportPart: async (conversationId, format, cursor) => {
      calls.push({ conversationId, format, cursor });
      const index = cursor ? Number(cursor) : 0;
      return { ...parts[index], format, next_cursor: index + 1 < parts.length ? String(index + 1) : null };
    },
  };
}

const conversation = { id: "c1", title: "Trip" };

describe("exportFile", () => {
  it("joins every Markdown part, in order, following the cursors", async () => {
    const api = fakeApi([
      { filename: "trip-c1.md", conversation, markdown: "# Trip\n\n## You · #1\n\nhi\n\n", messages: [] },
      { filename: "trip-c1.md", conversation, markdown: "## Assistant · #2\n\nhello\n\n", messages: [] },
    ]);
    const file = await exportFile(api, "c1", "markdown");
    expect(file).toEqual({
      filename: "trip-c1.md",
      text: "# Trip\n\n## You · #1\n\nhi\n\n## Assistant · #2\n\nhello\n\n",
      type: "text/markdown",
    });
    expect(api.calls).toEqual([
      { conversationId: "c1", format: "markdown", cursor: null },
      { conversationId: "c1", format: "markdown", cursor: "1" },
    ]);
  });

  it("writes one JSON document with every part's messages", async () => {
    const api = fakeApi([
      { filename: "trip-c1.json", conversation, markdown: null, messages: [{ seq: 1 }, { seq: 2 }] },
      { filename: "trip-c1.json", conversation: { ...conversation, message_count: 3 }, markdown: null, messages: [{ seq: 3 }] },
    ]);
    const file = await exportFile(api, "c1", "json");
    expect(file.filename).toBe("trip-c1.json");
    expect(JSON.parse(file.text)).toEqual({
      conversation: { id: "c1", title: "Trip", message_count: 3 },
      messages: [{ seq: 1 }, { seq: 2 }, { seq: 3 }],
    });
  });
});
