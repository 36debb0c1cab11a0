import { Badge, makeStyles, tokens } from "@fluentui/react-components";
import { statusLabel } from "../format.js";
import type { Status } from "../types.js";

const useStyles = makeStyles({
  track: {
    position: "relative",
    height: "8px",
    borderRadius: tokens.borderRadiusCircular,
    backgroundColor: tokens.colorNeutralBackground5,
    outline: `1px solid ${tokens.colorNeutralStroke2}`,
    minWidth: "80px",
    flexGrow: 1,
  },
  fill: { position: "absolute", left: 0, top: 0, bottom: 0, borderRadius: tokens.borderRadiusCircular },
  on_track: { backgroundColor: tokens.colorPaletteGreenBackground3 },
  behind: { backgroundColor: tokens.colorPaletteMarigoldBackground3 },
  at_risk: { backgroundColor: tokens.colorPaletteRedBackground3 },
  closed: { backgroundColor: tokens.colorNeutralForeground3 },
  marker: {
    position: "absolute",
    top: "-4px",
    bottom: "-4px",
    width: "2px",
    marginLeft: "-1px",
    backgroundColor: tokens.colorNeutralForeground1,
  },
  row: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, minWidth: "140px" },
  pct: { minWidth: "3.5em", textAlign: "right", fontVariantNumeric: "tabular-nums" },
});

const clamp = (v: number) => Math.max(0, Math.min(100, v));

/** Progress bar coloured by status, with a marker where progress is expected to be by today. */
export function ProgressBar({ progress, expected, status, closed = false, label }: { progress: number; expected: number; status: Status; closed?: boolean; label: string }) {
  const s = useStyles();
  return (
    <div className={s.row}>
      <div
        className={s.track}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(progress)}
        aria-valuetext={`${Math.round(progress)} %, expected ${Math.round(expected)} %, ${statusLabel[status]}`}
        data-status={status}
      >
        <div className={`${s.fill} ${closed ? s.closed : s[status]}`} style={{ width: `${clamp(progress)}%` }} />
        {!closed && <div className={s.marker} style={{ left: `${clamp(expected)}%` }} title={`Expected by today: ${Math.round(expected)} %`} />}
      </div>
      <span className={s.pct}>{Math.round(progress)} %</span>
    </div>
  );
}

const badgeColor = { on_track: "success", behind: "warning", at_risk: "danger" } as const;

export function StatusBadge({ status, closed = false }: { status: Status; closed?: boolean }) {
  if (closed) return <Badge appearance="tint" color="subtle">Closed</Badge>;
  return (
    <Badge appearance="filled" color={badgeColor[status]} data-testid="status">
      {statusLabel[status]}
    </Badge>
  );
}

/** A plain progress bar (projects: the share of done tasks, or the synced roll-up). */
export function SimpleProgressBar({ progress, label }: { progress: number; label: string }) {
  const s = useStyles();
  return (
    <div className={s.row}>
      <div className={s.track} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(progress)} aria-valuetext={`${Math.round(progress)} %`}>
        <div className={`${s.fill} ${s.on_track}`} style={{ width: `${clamp(progress)}%` }} />
      </div>
      <span className={s.pct}>{Math.round(progress)} %</span>
    </div>
  );
}
