import { makeStyles, tokens } from "@fluentui/react-components";
import { formatDate, formatValue } from "../format.js";
import type { CheckIn, KeyResult, Period } from "../types.js";

const useStyles = makeStyles({
  svg: { width: "100%", height: "auto", maxHeight: "260px", display: "block" },
  axis: { stroke: tokens.colorNeutralStroke1, strokeWidth: 1 },
  grid: { stroke: tokens.colorNeutralStroke3, strokeWidth: 1, strokeDasharray: "2 4" },
  line: { fill: "none", stroke: tokens.colorBrandForeground1, strokeWidth: 2.5 },
  dot: { fill: tokens.colorBrandForeground1 },
  target: { stroke: tokens.colorPaletteGreenForeground1, strokeWidth: 1.5, strokeDasharray: "6 4" },
  expected: { stroke: tokens.colorNeutralForeground3, strokeWidth: 1.5, strokeDasharray: "3 3" },
  label: { fill: tokens.colorNeutralForeground2, fontSize: "11px" },
});

const DAY = 86_400_000;

/** A KR's value over its period: check-ins as a line, the target (or KPI threshold) and the expected pace. */
export default function ProgressChart({ keyResult, checkIns, period }: { keyResult: KeyResult; checkIns: CheckIn[]; period: Period | undefined }) {
  const s = useStyles();
  const m = keyResult.measurement;
  const points = [...checkIns].sort((a, b) => a.at.localeCompare(b.at)).map((c) => ({ t: Date.parse(c.at), v: c.value }));
  const start = period ? Date.parse(`${period.startDate}T00:00:00Z`) : (points[0]?.t ?? Date.now() - 30 * DAY);
  const end = period ? Date.parse(`${period.endDate}T00:00:00Z`) + DAY : Math.max(Date.now(), points.at(-1)?.t ?? Date.now());
  const tMin = Math.min(start, points[0]?.t ?? start);
  const tMax = Math.max(end, points.at(-1)?.t ?? end);

  let lo: number;
  let hi: number;
  let target: number | null = null;
  let startValue: number | null = null;
  if (m.kind === "percent") [lo, hi, target, startValue] = [0, 100, 100, 0];
  else if (m.kind === "milestone") [lo, hi, target] = [0, 1, 1];
  else if (m.kind === "metric") [lo, hi, target, startValue] = [Math.min(m.start, m.target), Math.max(m.start, m.target), m.target, m.start];
  else [lo, hi, target] = [m.threshold, m.threshold, m.threshold];
  for (const p of points) [lo, hi] = [Math.min(lo, p.v), Math.max(hi, p.v)];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  [lo, hi] = [lo - pad, hi + pad];

  const W = 640;
  const H = 240;
  const L = 56;
  const R = 16;
  const T = 16;
  const B = 32;
  const x = (t: number) => L + ((t - tMin) / (tMax - tMin || 1)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
  const ticks = [lo + pad, (lo + hi) / 2, hi - pad];
  const summary =
    points.length === 0
      ? "No check-ins yet."
      : `${points.length} check-ins from ${formatDate(new Date(points[0]!.t).toISOString())} to ${formatDate(new Date(points.at(-1)!.t).toISOString())}; latest ${formatValue(m, points.at(-1)!.v)}.`;

  return (
    <figure style={{ margin: 0 }}>
      <svg className={s.svg} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Progress chart. ${summary}`} data-testid="chart">
        {ticks.map((v) => (
          <g key={v}>
            <line className={s.grid} x1={L} x2={W - R} y1={y(v)} y2={y(v)} />
            <text className={s.label} x={L - 6} y={y(v) + 4} textAnchor="end">
              {m.kind === "milestone" ? (v >= 0.5 ? "done" : "") : v.toLocaleString(undefined, { maximumFractionDigits: m.kind === "percent" ? 0 : (m.decimals ?? 0) })}
            </text>
          </g>
        ))}
        <line className={s.axis} x1={L} x2={W - R} y1={H - B} y2={H - B} />
        <line className={s.axis} x1={L} x2={L} y1={T} y2={H - B} />
        <text className={s.label} x={L} y={H - 10}>
          {formatDate(new Date(tMin).toISOString())}
        </text>
        <text className={s.label} x={W - R} y={H - 10} textAnchor="end">
          {formatDate(new Date(tMax - 1).toISOString())}
        </text>
        {target !== null && <line className={s.target} x1={L} x2={W - R} y1={y(target)} y2={y(target)} />}
        {startValue !== null && target !== null && <line className={s.expected} x1={x(start)} x2={x(end)} y1={y(startValue)} y2={y(target)} />}
        {Date.now() > tMin && Date.now() < tMax && <line className={s.grid} x1={x(Date.now())} x2={x(Date.now())} y1={T} y2={H - B} />}
        {path && <path className={s.line} d={path} />}
        {points.map((p) => (
          <circle key={p.t} className={s.dot} cx={x(p.t)} cy={y(p.v)} r={3.5}>
            <title>{`${formatDate(new Date(p.t).toISOString())}: ${formatValue(m, p.v)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption style={{ fontSize: 12 }}>{summary} Dashed green: {m.kind === "kpi" ? "threshold" : "target"}; dotted grey: expected pace.</figcaption>
    </figure>
  );
}
