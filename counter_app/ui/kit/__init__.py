"""The UI kit: the generic pieces every page and dialog builds on (background work, table models,
field rows and messages, modal dialogs, file dialogs, list-page scaffolding, previews, printing).
Nothing here knows a page; pages import from here, never from each other."""
