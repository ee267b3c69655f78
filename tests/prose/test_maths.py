"""LaTeX maths in prose as readable Unicode: the seeds' formulas, matrices in display maths, what Markdown keeps."""

from __future__ import annotations

import pytest

from tutor.course.maths import MAX_NESTING, find_formulas, markdown_escape, preview, render, render_prose

#: formulas from the lecture notes in /work/shared/seeds (Czech slides, Russian and Finnish notes), as read
SEED_FORMULAS = [
    (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (
        r"\frac{\partial z}{\partial x_1} = \frac{\partial z}{\partial y} \cdot \frac{\partial y}{\partial x_1} "
        r"= 2 \cdot y \cdot 1 = 2 \cdot (x_1 + 3 \cdot x_2)",
        "∂z/∂x₁ = ∂z/∂y · ∂y/∂x₁ = 2 · y · 1 = 2 · (x₁ + 3 · x₂)",
    ),
    (r"z = (x_1 + 3 \cdot x_2)^2", "z = (x₁ + 3 · x₂)²"),
    (
        r"\frac{\partial z}{\partial x_2} \coloneqq \frac{\partial z}{\partial x_2'} \cdot "
        r"\frac{\partial x_2'}{\partial x_2} = \frac{\partial z}{\partial x_2'} \cdot 3",
        "∂z/∂x₂ ≔ ∂z/∂x₂' · ∂x₂'/∂x₂ = ∂z/∂x₂' · 3",
    ),
    (
        r"q_n = \frac{1}{1 + e^{-(w_1 x_1 + w_2 x_2 + \dots + w_D x_D + b)}}",
        "qₙ = 1/(1 + e^(−(w₁ x₁ + w₂ x₂ + … + w_D x_D + b)))",
    ),
    (r"\frac{\mathrm{d}f_{\text{inv}}}{\mathrm{d}x} = -1/x^2", "dfᵢₙᵥ/dx = −1/x²"),
    (r"\frac{\partial f_{\text{add}}}{\partial x} = 1", "∂f_(add)/∂x = 1"),
    (r"\frac{\partial f_{\rm exp}}{\partial x} = e^x", "∂fₑₓₚ/∂x = eˣ"),
    (r"z = \frac{1}{1 + e^{-x}}", "z = 1/(1 + e⁻ˣ)"),
    (r"\overline{x} = \overline{z} \cdot z \cdot (1 - z)", "x̅ = z̅ · z · (1 − z)"),
    (r"z = \prod_{d=1}^{D} x_d", "z = ∏_(d=1)ᴰ x_d"),
    (r"\frac{\partial z}{\partial x_d} = \prod_{i \neq d} x_i = \frac{z}{x_d}", "∂z/∂x_d = ∏_(i ≠ d) xᵢ = z/x_d"),
    (r"\hat{y} = \sigma(\mathbf{w}^T \mathbf{h} + b),", "ŷ = σ(wᵀ h + b),"),
    (
        r"\nabla_{\mathbf{x}} z = \left(\frac{\partial \mathbf{y}}{\partial \mathbf{x}} \right)^T "
        r"\nabla_{\mathbf{y}} z,",
        "∇ₓ z = (∂y/∂x)ᵀ ∇_y z,",
    ),
    (
        r"\nabla_{\mathbf{X}} z = \sum_j (\nabla_{\mathbf{X}} Y_j) \frac{\partial z}{\partial Y_j}",
        "∇_X z = ∑ⱼ (∇_X Yⱼ) ∂z/∂Yⱼ",
    ),
    (r"\overline{\boldsymbol{w}} = \overline{\boldsymbol{s}} \cdot \boldsymbol{x}^{\mathsf{T}}", "w̅ = s̅ · xᵀ"),
    (r"\overline{x} = w^{\top} \cdot \overline{s}", "x̅ = wᵀ · s̅"),
    (r"\frac{\partial y}{\partial x} = \mathbb{R}^{K \times D}", "∂y/∂x = ℝ^(K × D)"),
    (
        r"\text{MSE}_{\text{train}} = \frac{1}{m} \sum_{i=1}^m \|\hat{y}^{(i)} - y^{(i)}\|^2,",
        "MSEₜᵣₐᵢₙ = 1/m ∑ᵢ₌₁ᵐ ‖ŷ⁽ⁱ⁾ − y⁽ⁱ⁾‖²,",
    ),
    (
        r"\theta_{ML} = \arg \max_{\theta} \sum_{i=1}^m \log p_{model}(x^{(i)}; \theta)",
        "θ_(ML) = arg max_θ ∑ᵢ₌₁ᵐ log p_(model)(x⁽ⁱ⁾; θ)",
    ),
    (
        r"J(\theta) = -\mathbb{E}_{\mathbf{x}, y \sim \hat{p}_{\text{data}}} "
        r"\log p_{\text{model}}(\mathbf{y}|\mathbf{x})",
        "J(θ) = −𝔼_(x, y ∼ p̂_(data)) log p_(model)(y|x)",
    ),
    (r"\lim_{m \rightarrow \infty} \text{bias}(\hat{\theta}_m) = 0", "lim_(m → ∞) bias(θ̂ₘ) = 0"),
    (
        r"\frac{\partial L(\boldsymbol{w}, \boldsymbol{b})}{\partial \boldsymbol{w}} = \frac{1}{N} \sum_{n=1}^{N} "
        r"(\widehat{\boldsymbol{p}}_{n} - \boldsymbol{p}_{n}) \cdot \boldsymbol{x}_{n}^{\mathsf{T}}",
        "∂L(w, b)/∂w = 1/N ∑ₙ₌₁ᴺ (p̂ₙ − pₙ) · xₙᵀ",
    ),
    (r"f(x) = b + \sum_i \alpha_i k(x, x^{(i)})", "f(x) = b + ∑ᵢ αᵢ k(x, x⁽ⁱ⁾)"),
    (r"L=(y-t)^2", "L=(y−t)²"),
    (
        r"\left[\frac{\partial L}{\partial x_d} \right] = \left[\frac{\partial L}{\partial y} \right]",
        "[∂L/∂x_d] = [∂L/∂y]",
    ),
    # the subset named in the brief, one construct each
    (r"\sqrt{x^2 + y^2} \approx 1 \le 2 \ge 0 \to \infty", "√(x² + y²) ≈ 1 ≤ 2 ≥ 0 → ∞"),
    (r"x \in \mathbb{R}^n, \quad A \odot B, \quad a \times b", "x ∈ ℝⁿ,    A ⊙ B,    a × b"),
    (r"\mathbf{y}_{n+1}, W_{ij}, a_{k,d}, x^{n+1}, W_1, a_i", "yₙ₊₁, Wᵢⱼ, a_(k,d), xⁿ⁺¹, W₁, aᵢ"),
    (r"\hat{x} \bar{x} \tilde{x}", "x̂ x̄ x̃"),
    (r"\nabla f \cdots \ldots \partial^2 L", "∇f ⋯ … ∂²L"),
    (
        r"\alpha \beta \gamma \delta \epsilon \eta \theta \lambda \mu \pi \sigma \tau \phi \omega \Sigma",
        "αβγδϵηθλμπστϕωΣ",
    ),
    (r"\sum_{i=1}^{n} \prod_k \sqrt[3]{8} \sqrt{2}", "∑ᵢ₌₁ⁿ ∏ₖ ∛8 √2"),
    (r"W^\top, W^T, W^{\mathsf{T}}, W^{T}, A^\top B", "Wᵀ, Wᵀ, Wᵀ, Wᵀ, AᵀB"),
    (r"\boldsymbol{\theta} \mathbf{W} \text{if } x", "θ W if x"),
    (r"\frac{a+b}{c}, \frac{a}{b+c}, \frac{1}{-x}, \frac{a/b}{c}", "(a+b)/c, a/(b+c), 1/(−x), (a/b)/c"),
    (r"\{ x \}, \langle a, b \rangle", "{x}, ⟨a, b⟩"),
]


@pytest.mark.parametrize(("latex", "shown"), SEED_FORMULAS)
def test_seed_formulas_read_as_unicode(latex, shown):
    r = render(latex)
    assert (r.text, r.unsupported) == (shown, [])


def test_a_bmatrix_in_display_maths_is_an_aligned_block():
    r = render(
        r"\frac{\partial \mathbf{z}}{\partial x} = "
        r"\begin{bmatrix} z_1 (1 - z_1) & 0 \\ 0 & z_2 (1 - z_2) \end{bmatrix}",
        True,
    )
    assert r.lines == [
        "∂z/∂x = ⎡ z₁ (1 − z₁)            0 ⎤",
        "        ⎣           0  z₂ (1 − z₂) ⎦",
    ]


def test_matrices_side_by_side_are_centred_on_one_another():
    r = render(
        r"\begin{bmatrix} S_{11} & S_{12} \end{bmatrix} = \begin{pmatrix} 1 & 2 \\ 3 & 4 \\ 5 & 6 \end{pmatrix}", True
    )
    assert r.lines == [
        "               ⎛ 1  2 ⎞",
        "[ S₁₁  S₁₂ ] = ⎜ 3  4 ⎟",
        "               ⎝ 5  6 ⎠",
    ]


def test_cases_are_left_aligned_after_a_brace():
    r = render(
        r"\frac{\partial z_k}{\partial x_d} = \begin{cases} z_k (1 - z_k) & k = d \\ 0 & k \neq d \end{cases}", True
    )
    assert r.lines == [
        "∂zₖ/∂x_d = ⎧ zₖ (1 − zₖ)   k = d",
        "           ⎩ 0             k ≠ d",
    ]


def test_a_matrix_inline_reads_as_rows():
    assert render(r"A = \begin{bmatrix} a & b \\ c & d \end{bmatrix}").text == "A = [a, b; c, d]"
    assert render(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}^T").text == "(1; 2)ᵀ"


def test_a_matrix_inside_a_matrix_cell_reads_inline_instead_of_crashing():
    r = render(r"\begin{pmatrix} \begin{pmatrix} 1 \\ 2 \end{pmatrix} & 3 \end{pmatrix}", True)
    assert r.lines == ["( (1; 2)  3 )"]


def test_an_unsupported_construct_shows_its_source_in_code_style_and_is_reported():
    r = render(r"a + \weird{x} + \begin{tikzpicture}x\end{tikzpicture}")
    assert r.unsupported == [r"\weird{x}", r"\begin{tikzpicture}x\end{tikzpicture}"]
    assert "\\weird{x}" in r.text
    text, notes = render_prose(r"See $a + \weird{x}$.", markdown=True)
    assert text == r"See a + `\weird{x}`."
    assert [(n.offset, n.snippet) for n in notes] == [(9, r"\weird{x}")]
    assert notes[0].message == (
        r"maths: \weird{x} is not in the supported subset and is shown as source; see 'Maths' in docs/authoring.md"
    )
    assert render_prose(r"See $a + \weird{x}$.", markdown=False)[0] == r"See a + `\weird{x}`."


@pytest.mark.parametrize("latex", [r"\frac{a}{b", r"x^{", r"\begin{bmatrix} a", "}"])
def test_latex_that_does_not_parse_is_shown_as_source(latex):
    r = render(latex)
    assert r.unsupported and r.text == f"\ue000{latex}\ue001"


def test_deep_nesting_and_huge_formulas_are_refused_before_parsing():
    deep = "{" * (MAX_NESTING + 1) + "x" + "}" * (MAX_NESTING + 1)
    assert render(deep).unsupported
    assert render("x+" * 3000).unsupported
    assert render("{" * 50_000).unsupported  # no RecursionError, no hang


@pytest.mark.parametrize(
    ("prose", "shown"),
    [
        ("It costs $5 and $10 today.", "It costs $5 and $10 today."),  # not maths: Pandoc's rule
        (
            "From $5 to $x^2$.",
            "From $5 to x².",
        ),
        ("A price of $ 5$ stays.", "A price of $ 5$ stays."),  # a space after the opening $
        ("Pay \\$5, then $y$.", "Pay \\$5, then y."),  # \$ is a dollar; Markdown shows it as $
        ("Code `$x^2$` stays code.", "Code `$x^2$` stays code."),
        ("```\n$x^2$\n```\nthen $x^2$", "```\n$x^2$\n```\nthen x²"),
        ("Inline \\(a_i\\) and display \\[b^2\\]", "Inline aᵢ and display b²"),
        ("$a * b_c$", "a ∗ b\\_c"),  # Markdown would eat * and _
        ("$-x$ starts a line", "\\−x starts a line".replace("\\−", "−")),
        ("$$\\sum_i x_i$$", "∑ᵢ xᵢ"),
        ("| $a|b$ | c |", "| a\\|b | c |"),  # a | in a table cell
        ("No maths at all: x_1 * y", "No maths at all: x_1 * y"),
    ],
)
def test_maths_in_markdown_prose(prose, shown):
    assert render_prose(prose, markdown=True)[0] == shown


def test_a_display_matrix_in_markdown_is_a_code_block_so_columns_stay_aligned():
    text, _ = render_prose("Here:\n$$\\begin{bmatrix} 1 & 20 \\\\ 300 & 4 \\end{bmatrix}$$\nend.", markdown=True)
    assert text == "Here:\n\n```\n⎡   1  20 ⎤\n⎣ 300   4 ⎦\n```\n\n\nend."


def test_in_plain_text_maths_is_unicode_and_a_dollar_is_a_dollar():
    text, _ = render_prose("Use $\\frac{\\partial L}{\\partial y}$, not \\$5 * 2_3.", markdown=False)
    assert text == "Use ∂L/∂y, not $5 * 2_3."


def test_unclosed_display_maths_is_reported():
    formulas, notes = find_formulas("one $$x^2 and \\(y")
    assert formulas == []
    assert [(n.offset, n.snippet) for n in notes] == [(4, "$$"), (14, "\\(")]


def test_markdown_escape_keeps_every_character():
    assert markdown_escape("a*b_c[d]<e>|f`g\\h#i") == "a\\*b\\_c\\[d\\]\\<e\\>\\|f\\`g\\\\h\\#i"
    assert markdown_escape("- x", line_start=True) == "\\- x"
    assert markdown_escape("1. x", line_start=True) == "1\\. x"


def test_the_lesson_list_preview_shows_maths_and_elides_live_numbers():
    assert preview("$\\sigma(z)$ at z = {{ z :.2f }}, \\{{ kept }}") == "σ(z) at z = …, {{ kept }}"
