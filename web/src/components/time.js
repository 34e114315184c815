// Dates as people read them: a clock time today, a date otherwise; sidebar groups.

const DAY_MS = 86_400_000;

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** "14:03" today, "Nov 24, 14:03" this year, "Nov 24, 2025" before. */
export function shortTime(iso, now = new Date()) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const clock = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (startOfDay(date) === startOfDay(now)) return clock;
  if (date.getFullYear() === now.getFullYear()) {
    return `${date.toLocaleDateString([], { month: "short", day: "numeric" })}, ${clock}`;
  }
  return date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
}

export const GROUPS = ["Today", "Yesterday", "Previous 7 days", "Previous 30 days", "Older"];

/** The sidebar group of a conversation last active at ``iso``. */
export function groupOf(iso, now = new Date()) {
  const days = Math.floor((startOfDay(now) - startOfDay(new Date(iso))) / DAY_MS);
  if (!iso || Number.isNaN(days) || days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  if (days <= 30) return "Previous 30 days";
  return "Older";
}

export const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
