"""The web app: the referral intake API, the pages behind the links in emails (answers and
meeting papers), the Temporal UI's codec endpoint and, locally, the captured mailbox.

`web.app.create_app` assembles the routers of the modules here; each route reads what it
shares with the others (settings, link signing, Temporal) from `web.services`."""
