// Typeset every formula with the site's own KaTeX (assets/katex/), on the first
// load and again after each instant navigation (Material's document$ emits both).
//
// Pages: pymdownx.arithmatex (generic) wraps inline math as \( … \) and display
// math as \[ … \] in elements of class "arithmatex".
// Notebooks (rendered by mkdocs-jupyter): markdown cells keep Jupyter's $ … $
// and $$ … $$, typeset with KaTeX's auto-render inside .jupyter-wrapper only.
//
// A formula KaTeX cannot parse (an undefined macro, a typo) is left as its TeX
// source, marked with the class "zta-math-error" and reported on the console,
// so the browser check in the test suite fails on it instead of shipping it.
// When a page is done, <body data-zta-math="typeset"> tells the check to look.
function reportMathError(el, tex, error) {
  el.classList.add("zta-math-error")
  el.title = error.message
  console.error(`math error in ${tex}: ${error.message}`)
}

document$.subscribe(({ body }) => {
  for (const el of body.querySelectorAll(".arithmatex")) {
    if (el.querySelector(".katex") || el.classList.contains("zta-math-error")) continue
    const tex = el.textContent.trim()
    try {
      katex.render(tex.slice(2, -2), el, { displayMode: tex.startsWith("\\["), throwOnError: true })
    } catch (error) {
      reportMathError(el, tex, error)
    }
  }
  for (const cell of body.querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown")) {
    renderMathInElement(cell, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "$", right: "$", display: false },
      ],
      throwOnError: true,
      errorCallback: (message, error) => reportMathError(cell, message, error),
    })
  }
  body.dataset.ztaMath = "typeset" // the browser check waits for this
})
