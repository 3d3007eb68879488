/** Types for the parts of ipp-encoder (RFC 8010 encoding, no types of its own) the agent uses. */
declare module 'ipp-encoder' {
  export type IppAttribute = { tag: number; name: string; value: unknown[] };
  export type IppGroup = { tag: number; attributes: IppAttribute[] };
  export type IppMessage = {
    version?: { major: number; minor: number };
    operationId?: number;
    statusCode?: number;
    requestId: number;
    groups: IppGroup[];
  };
  const ipp: {
    CONSTANTS: Record<string, number>;
    STATUS_CODES: Record<number, string>;
    request: { encode(obj: IppMessage): Buffer; decode(buf: Buffer): IppMessage };
    response: { encode(obj: IppMessage): Buffer; decode(buf: Buffer): IppMessage };
  };
  export default ipp;
}
