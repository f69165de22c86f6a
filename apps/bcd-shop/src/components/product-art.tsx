import { COLOURS, type ProductArt as Art } from "@/catalogue/catalogue.ts";

/**
 * A flat drawing of the product in its colour, on a ruled backdrop (the demo
 * has no photographs). Decorative: the name is always beside it.
 */
export function ProductArt({ art, colour, size = "large" }: { art: Art; colour: string | null; size?: "large" | "thumb" }) {
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

function Tee({ fill }: { fill: string }) {
  return (
    <g stroke={INK} strokeWidth="4" strokeLinejoin="round">
      <path d="M70 38 L40 52 L20 92 L46 104 L56 86 L56 168 L144 168 L144 86 L154 104 L180 92 L160 52 L130 38 C124 54 76 54 70 38 Z" fill={fill} />
      <path d="M70 38 C78 62 122 62 130 38" fill="none" />
      <path d="M84 112 h32" strokeDasharray="5 5" fill="none" />
    </g>
  );
}

function Mug({ fill }: { fill: string }) {
  return (
    <g stroke={INK} strokeWidth="4" strokeLinejoin="round">
      <path d="M132 78 C172 74 172 138 132 134" fill="none" strokeWidth="12" />
      <path d="M132 78 C172 74 172 138 132 134" fill="none" stroke={fill} strokeWidth="4" />
      <path d="M44 58 L44 150 C44 166 132 166 132 150 L132 58 Z" fill={fill} />
      <ellipse cx="88" cy="58" rx="44" ry="12" fill="#2c4a7a" />
      <path d="M44 150 C44 166 132 166 132 150" fill="none" stroke="#2c4a7a" strokeWidth="8" />
      <path d="M62 84 v46" stroke="#fff" strokeOpacity="0.7" strokeWidth="6" strokeLinecap="round" />
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
