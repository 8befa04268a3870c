"""The sync with Cổng Dịch vụ công quốc gia (DVCQG): a transactional outbox (issue #15 item 3).

- models: the outbox rows (one per receipt or status change of a dossier, written in the transaction of the
  change) and what the portal answered;
- service: the hook that writes a row (registered into cchc.dossiers.journal, which does not import sync),
  the sending in order per dossier with back-off, what is stuck and why, and the portal's inbound dossiers;
- dvcqg_outbox.schema.json: the payload's JSON Schema (documented in docs/integrations.md);
- background: the periodic job `sync.send_pending`; pages, views, cli: `/quan-tri/dong-bo`,
  `POST /api/v1/sync/inbound`, `cchc sync send|status|inbound`.

Importing this package registers the hook: the application, `cchc.models` and the command line import it.
"""

from cchc.sync import outbox as _outbox  # noqa: F401 — registers the outbox hook on the dossiers' journal
