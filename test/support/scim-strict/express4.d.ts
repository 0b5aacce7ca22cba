// The `express4` alias is Express 4, which ships no types of its own. Its API as used
// here (an app, `use`, `listen`) is the same in the Express 5 types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
