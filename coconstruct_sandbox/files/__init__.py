"""The sandbox's file bytes: generated attachment content, signed download URLs with Range
support and faults, and the staged-upload flow (the contract's `/files`, `/uploads` and
`/attachments/...` routes)."""
