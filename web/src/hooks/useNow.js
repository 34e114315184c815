// The time, ticking every ``everyMs`` while ``active``: what a countdown or a
// "thinking for N s" label reads (one timer per label, none when inactive).
import { useEffect, useState } from "react";

export function useNow(active, everyMs) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}
