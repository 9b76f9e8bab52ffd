"""The pieces every page uses: typed URL parameters and their binding to widgets, escaped
HTML tables and token colouring, the theme, page header and plot widgets, presentation mode,
and the registry of pages.
May import model/ and content/ (the glossary's hover help) but no topic package of components/."""
