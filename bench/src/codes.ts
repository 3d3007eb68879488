/**
 * Check digits for generated barcodes and ISBNs. Written here (not imported) so the benchmark
 * data does not change when the product's barcode module does; the test checks them independently.
 */

/**
 * Modulus 10 weight 2-1 (分割加算, the Luhn scheme): weights 2, 1, 2, … from the rightmost body
 * digit, the digits of each product added, check = (10 − sum mod 10) mod 10.
 */
export function mod10w21(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    const p = i % 2 === 0 ? d * 2 : d;
    sum += p > 9 ? p - 9 : p;
  }
  return String((10 - (sum % 10)) % 10);
}

/** An item label: "1" + 8-digit serial + check digit (NW-7 data characters, start/stop not stored). */
export const itemBarcode = (serial: number): string => {
  const body = `1${String(serial).padStart(8, '0')}`;
  return body + mod10w21(body);
};

/** A patron card: "2" + 8-digit serial + check digit. */
export const patronBarcode = (serial: number): string => {
  const body = `2${String(serial).padStart(8, '0')}`;
  return body + mod10w21(body);
};

/** EAN-13 / ISBN-13 check digit over 12 digits (weights 1, 3 from the left). */
export function ean13Check(body12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body12.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return String((10 - (sum % 10)) % 10);
}
