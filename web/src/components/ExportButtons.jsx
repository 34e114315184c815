import { useState } from "react";

// Download the open conversation as Markdown or JSON (services/export.js builds the file).
export function ExportButtons({ onExport }) {
  const [busy, setBusy] = useState(null);
  const [failed, setFailed] = useState(null);
  const run = async (format) => {
    setBusy(format);
    setFailed(null);
    try {
      await onExport(format);
    } catch (failure) {
      setFailed(failure?.message || "Export failed.");
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="export" role="group" aria-label="Export">
      <button type="button" onClick={() => run("markdown")} disabled={Boolean(busy)}>
        {busy === "markdown" ? "Exporting…" : "Export .md"}
      </button>
      <button type="button" onClick={() => run("json")} disabled={Boolean(busy)}>
        {busy === "json" ? "Exporting…" : "Export .json"}
      </button>
      {failed && (
        <span className="export-failed" role="status">
          Export failed: {failed}
        </span>
      )}
    </span>
  );
}
