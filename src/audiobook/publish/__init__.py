"""For listeners: a rendered book made a static site (site), its page (page) and podcast feed
(feed), and a server for it (serve)."""
