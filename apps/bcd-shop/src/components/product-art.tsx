import { COLOURS, type ProductArt as Art } from "@/catalogue/catalogue.ts";

/**
 * A flat drawing of the product in its colour, on a ruled backdrop (the demo
 * has no photographs). Decorative: the name is always beside it.
 */
export function ProductArt({
  art,
  colour,
  size = "large",
}: {
  art: Art;
  colour: string | null;
  size?: "large" | "thumb";
}) {
  const fill = (colour && COLOURS[colour]) ?? DEFAULT_FILL[art];
  return (
    <div className={`art art-${art} art-${size}`} aria-hidden="true">
      <svg viewBox="0 0 200 200" role="presentation">
        {art === "tee" ? <Tee fill={fill} /> : art === "mug" ? <Mug fill={fill} /> : <Cap fill={fill} />}
      </svg>
    </div>
  );
}

const DEFAULT_FILL: Record<Art, string> = { tee: "#d9d4c7", mug: "#f4f1ea", cap: "#1f3357" };
const INK = "#14150f";
/** The enamel mug's blue rim. */
const RIM = "#2c4a7a";

function Tee({ fill }: { fill: string }) {
  return (
    <g stroke={INK} strokeWidth="4" strokeLinejoin="round">
      <path
        d="M70 38 L40 52 L20 92 L46 104 L56 86 L56 168 L144 168 L144 86 L154 104 L180 92 L160 52 L130 38 C124 54 76 54 70 38 Z"
        fill={fill}
      />
      <path d="M70 38 C78 62 122 62 130 38" fill="none" />
      <path d="M112 92 h22 v22 c0 4 -22 4 -22 0 Z" fill="none" strokeWidth="3" />
    </g>
  );
}

function Mug({ fill }: { fill: string }) {
  return (
    <g stroke={INK} strokeWidth="4" strokeLinejoin="round">
      <path d="M142 82 C180 82 180 138 142 138" fill="none" strokeWidth="11" />
      <path d="M46 62 L46 150 Q46 166 62 166 L126 166 Q142 166 142 150 L142 62 Z" fill={fill} />
      <ellipse cx="94" cy="62" rx="48" ry="12" fill={RIM} />
      <path d="M64 86 v50" stroke="#fff" strokeOpacity="0.8" strokeWidth="7" strokeLinecap="round" />
    </g>
  );
}

function Cap({ fill }: { fill: string }) {
  return (
    <g stroke={INK} strokeWidth="4" strokeLinejoin="round">
      <path d="M36 124 C36 64 74 46 104 46 C138 46 164 70 164 124 Z" fill={fill} />
      <path d="M104 46 C92 70 90 100 92 124 M104 46 C118 70 124 100 126 124" fill="none" strokeOpacity="0.6" />
      <path d="M28 124 L168 124 C184 124 192 140 176 146 C150 156 60 156 34 146 C18 140 18 124 28 124 Z" fill={fill} />
      <circle cx="104" cy="46" r="6" fill={fill} />
      <rect x="96" y="104" width="16" height="10" fill="#c99a3b" />
    </g>
  );
}
