import { createResource, For } from 'solid-js';
import { api, call } from '../api/client.ts';
import { pick } from '../i18n/index.ts';
import { ot } from './i18n.ts';

export type ContactMethod = 'none' | 'email' | 'phone';

/** The library's pickup points a patron can choose (libraries and branches; not bookmobile stops). */
async function pickupPlaces() {
  const r = await call(api.opac.locations.$get({ query: {} }));
  return r.locations.filter((l) => l.isPickupPoint && (l.kind === 'library' || l.kind === 'branch'));
}

/**
 * A hold's two choices, inside a hold form: where to collect it (`pickup`) and how to be told it is
 * ready (`contact`). Used to place a hold and to change one on マイページ.
 */
export function HoldChoices(props: {
  idPrefix: string;
  pickupLocationId?: string;
  contactMethod?: ContactMethod;
}) {
  const [places] = createResource(pickupPlaces);
  const contact = () => props.contactMethod ?? 'none';
  return (
    <>
      <div class="field">
        <label for={`${props.idPrefix}-pickup`}>{ot('hold.pickup')}</label>
        <select id={`${props.idPrefix}-pickup`} name="pickup" required>
          <For each={places() ?? []}>
            {(l) => (
              <option value={l.id} selected={l.id === props.pickupLocationId}>
                {pick(l.nameJa, l.nameEn)}
              </option>
            )}
          </For>
        </select>
      </div>
      <fieldset>
        <legend>{ot('hold.contact')}</legend>
        <For each={['none', 'email', 'phone'] as const}>
          {(m) => (
            <label class="radio">
              <input type="radio" name="contact" value={m} checked={m === contact()} />
              {ot(`hold.contact.${m}`)}
            </label>
          )}
        </For>
      </fieldset>
    </>
  );
}

/** The two choices as the API takes them, from a form holding HoldChoices. */
export const holdChoicesOf = (form: FormData) => ({
  pickupLocationId: String(form.get('pickup')),
  contactMethod: String(form.get('contact')) as ContactMethod,
});
