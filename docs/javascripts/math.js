// Typeset every formula with the site's own KaTeX (assets/katex/), on the first
// load and again after each instant navigation (Material's document$ emits both).
// pymdownx.arithmatex (generic) wraps inline math as \( … \) and display math as
// \[ … \] in elements of class "arithmatex".
document$.subscribe(({ body }) => {
  for (const el of body.querySelectorAll(".arithmatex")) {
    if (el.querySelector(".katex")) continue
    const tex = el.textContent.trim()
    const display = tex.startsWith("\\[")
    katex.render(tex.slice(2, -2), el, {
      displayMode: display,
      throwOnError: false,
    })
  }
})
