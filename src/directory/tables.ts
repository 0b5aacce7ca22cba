/** A set-password link; the token is kept only as its SHA-256 hash. */
export interface PasswordLinksTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  /** When the link was used; a used link never works again. */
  used_at: string | null;
  /** Name of the administrator who made it. */
  created_by: string | null;
}
