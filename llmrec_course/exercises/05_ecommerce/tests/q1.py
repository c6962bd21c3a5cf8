from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Binarise X, then P = inv(X.T @ X + l2 * I) and B = I - P / diag(P)[None, :]: column j of P divided by P_jj (not row j by P_jj), lambda added to the diagonal only, and diag(B) = 0. The plain ridge solution P @ X.T @ X has no zero diagonal: each product would explain itself.")
def test_one_ridge_regression_per_product(env):
    """ease_weights(X, 3.0) on a 12 x 6 binary matrix equals, column by column, scikit-learn's
    ridge regression of product j on the other five (no intercept)."""
    import numpy as np
    from sklearn.linear_model import Ridge
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(5101)
    X = (rng.random((12, 6)) < 0.45).astype(float)
    expected = np.zeros((6, 6))
    for j in range(6):
        others = [i for i in range(6) if i != j]
        fit = Ridge(alpha=3.0, fit_intercept=False).fit(X[:, others], X[:, j])
        expected[others, j] = fit.coef_
    check(Call('ease_weights', X, 3.0), lambda out: assert_close(out, expected, 'ease_weights(X, 3.0)', atol=1e-06), env)

@test_case(points=1, hidden=False, 
    failure_message="The diagonal of B must be exactly 0 (np.fill_diagonal(B, 0) after the formula) and the scores X @ B must equal lrc.models.EASE with the same lambda, also when a product has no shopper and a shopper no product. Use the argument l2, not a fixed value.")
def test_scores_equal_the_package_ease(env):
    """A 40 x 15 matrix with a product nobody has and a shopper with no history, l2 = 50:
    diag(B) = 0, and X @ B equals lrc.models.EASE's scores for every shopper with a history."""
    import numpy as np
    import pandas as pd
    from llmrec_course.data import from_frames
    from llmrec_course.grading import Call, CheckFailed, assert_close, check
    from llmrec_course.grading.cases import as_array
    from llmrec_course.models import EASE
    rng = np.random.default_rng(5102)
    X = (rng.random((40, 15)) < 0.3).astype(float)
    X[:, 0] = 0.0
    X[1, :] = 0.0
    users, items = np.nonzero(X)
    data = from_frames(pd.DataFrame({'item_id': [f'i{i}' for i in range(15)], 'title': 't'}), pd.DataFrame({'user_id': [f'u{u}' for u in users], 'item_id': [f'i{i}' for i in items]}), pd.DataFrame({'user_id': [f'u{u}' for u in range(40)]}))
    active = np.flatnonzero(X.sum(1) > 0)
    expected = EASE(l2=50.0).fit(data).score([f'u{u}' for u in active])

    def verdict(out):
        B = as_array(out, 'ease_weights(X, 50.0)')
        if B.shape != (15, 15):
            raise CheckFailed(f'ease_weights returned shape {B.shape}, expected (15, 15).')
        if np.abs(np.diag(B)).max() > 1e-08:
            raise CheckFailed(f'diag(B) reaches {np.abs(np.diag(B)).max():.3g}; it must be 0 (a product may not explain itself).')
        assert_close(X[active] @ B, expected, 'the scores X @ ease_weights(X, 50.0)', atol=0.0001)
    check(Call('ease_weights', X, 50.0), verdict, env)

