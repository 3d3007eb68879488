import type { DocBlock, PrintDocument } from '@bunko/protocols/document-schema';
import { For, type JSX } from 'solid-js';

/** One block of a print document, drawn as it will come out of a receipt printer. */
function Block(props: { block: DocBlock }): JSX.Element {
  const b = props.block;
  switch (b.type) {
    case 'text':
      return (
        <p
          class="doc-text"
          classList={{
            'doc-center': b.align === 'center',
            'doc-right': b.align === 'right',
            'doc-large': b.size === 'large',
            'doc-bold': b.bold === true,
          }}
        >
          {b.text}
        </p>
      );
    case 'pair':
      return (
        <p class="doc-pair">
          <span class="doc-label">{b.label}</span>
          <span class="doc-value">{b.value}</span>
        </p>
      );
    case 'rule':
      return <hr class="doc-rule" />;
    case 'feed':
      return <div class="doc-feed" style={{ height: `${b.lines * 1.5}em` }} />;
    case 'barcode':
      return (
        <p class="doc-barcode">
          <span class="mono">{b.data}</span>
        </p>
      );
    case 'cut':
      return <hr class="doc-rule doc-cut" />;
  }
}

/**
 * A device-independent print document (receipt, slip) shown on the page. Until printing goes through
 * the workstation's agent, this element is also what the browser prints (see the print stylesheet).
 */
export function PrintPreview(props: { doc: PrintDocument; label: string }) {
  return (
    <div class="receipt print-area" role="document" aria-label={props.label}>
      <For each={props.doc.blocks}>{(block) => <Block block={block} />}</For>
    </div>
  );
}
