import { For } from 'solid-js';
import { nw7Bars } from '../counter/nw7-bars.ts';

/** An NW-7 barcode drawn as inline SVG (crisp at any size, allowed by the page's CSP). */
export function Nw7Barcode(props: { text: string; label: string; height?: number }) {
  const bars = () => nw7Bars(props.text);
  const height = () => props.height ?? 60;
  return (
    <svg
      class="nw7-barcode"
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${bars().width} ${height()}`}
      preserveAspectRatio="none"
      shape-rendering="crispEdges"
    >
      <rect x="0" y="0" width={bars().width} height={height()} fill="#fff" />
      <For each={bars().bars}>{(b) => <rect x={b.x} y="0" width={b.w} height={height()} fill="#000" />}</For>
    </svg>
  );
}
