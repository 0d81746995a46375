/// The one stylesheet of the web pages (served as `/web/style.css`, so the CSP needs no
/// `unsafe-inline`). Readable on a phone and a desktop; colours with enough contrast.
enum WebStylesheet {
    static let css = """
        :root { --tekst: #1d1d1f; --rand: #c9c9cf; --accent: #005a9c; --fout: #a40000; --licht: #f4f5f7; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--tekst); background: #fff; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: var(--accent); color: #fff; }
        header a, header .who { color: #fff; }
        .merk { font-weight: 700; font-size: 1.2rem; }
        nav { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; flex: 1; }
        nav .who { margin-left: auto; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
        h1 { font-size: 1.5rem; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
        caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--rand); vertical-align: top; }
        thead th { background: var(--licht); }
        tr.verlopen { background: #fff1f0; }
        .te-laat { color: var(--fout); }
        .urgentie-urgent { font-weight: 700; color: var(--fout); }
        .melding { padding: .6rem .8rem; border-left: 4px solid var(--accent); background: var(--licht); }
        .melding.fout { border-color: var(--fout); color: var(--fout); }
        .tekst { white-space: pre-wrap; overflow-wrap: anywhere; }
        dl.feiten { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
        dl.feiten dt { font-weight: 600; }
        dl.feiten dd { margin: 0; }
        .stappen { display: flex; flex-wrap: wrap; gap: .8rem; }
        form.stap { display: flex; gap: .4rem; align-items: center; padding: .5rem; border: 1px solid var(--rand); border-radius: 4px; }
        form.inline { display: inline; }
        form.login { display: grid; gap: .4rem; max-width: 22rem; }
        label { font-weight: 600; }
        input, select, textarea, button { font: inherit; padding: .35rem .5rem; }
        textarea { width: 100%; }
        button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        header button { background: #fff; color: var(--accent); }
        button:focus, a:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #ffbf47; }
        .uitleg, .wanneer { color: #555; font-size: .9rem; }
        ol.notities li { margin-bottom: .6rem; }
        section.figuur { border-top: 1px solid var(--rand); margin-top: 1.5rem; }
        .figuur-inhoud { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
        .grafiek { flex: 0 1 auto; max-width: 100%; overflow-x: auto; }
        .grafiek svg { display: block; }
        .tabel { flex: 1 1 28rem; min-width: 0; overflow-x: auto; }
        .tabel table { margin-top: 0; font-size: .9rem; }
        tr.suppressed td { color: #666; }
        .termijnen { font-size: .95rem; }
        """
}
