// samlify's published schema validator ships no types; its one export, as samlify calls it.
declare module '@authenio/samlify-xmllint-wasm' {
  export function validate(xml: string): Promise<string>;
}
