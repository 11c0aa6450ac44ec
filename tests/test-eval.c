/*
 * test-eval.c: evaluation numbers against values worked out by hand
 * (scikit-learn's, for the curves, are in the comments).
 */
#include "config.h"

#include <math.h>

#include "eval.h"
#include "testhelp.h"

int
main(void)
{
	struct nu_ratio r;
	struct nu_curve c;
	struct nu_binary_eval e;
	struct nu_binary_at at;
	struct nu_multi_eval m;
	struct nu_reg_stats rs;
	double ap, edges[8];
	/* sklearn: roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75,
	 * average_precision_score = 0.8333 */
	const float s[4] = { 0.1f, 0.4f, 0.35f, 0.8f }, y[4] = { 0, 0, 1, 1 };
	const double rx[5] = { 0, 0, 0.5, 0.5, 1 }, ry[5] = { 0, 0.5, 0.5, 1, 1 };
	/* ties: two events share 0.5 */
	const float st[4] = { 0.5f, 0.5f, 0.9f, 0.2f }, yt[4] = { 1, 0, 1, 0 };

	/* Wilson at one sigma, 8 of 10: centre 0.85/1.1, half sqrt(0.0185)/1.1 */
	nu_ratio_wilson(8, 10, &r);
	CHECK_NEAR(r.value, 0.8, 1e-12, "8/10 = 0.8");
	CHECK_NEAR(r.lo, 0.649076, 1e-5, "Wilson lower 0.6491");
	CHECK_NEAR(r.hi, 0.896378, 1e-5, "Wilson upper 0.8964");
	nu_ratio_wilson(0, 5, &r);
	CHECK(r.lo == 0 && r.hi > 0.1 && r.hi < 0.2, "0 of 5: [0, 1/6]");
	nu_ratio_wilson(0, 0, &r);
	CHECK(isnan(r.value), "0 of 0: NaN");

	{
		/* NaN scores equal nothing, themselves included: each is a
		 * group of its own and the walk ends */
		const float sn[4] = { NAN, 0.4f, NAN, 0.9f }, yn[4] = { 1, 0, 0, 1 };
		struct nu_curve cn = { 0 };

		CHECK_EQ_INT(nu_roc(sn, yn, 4, &cn, NULL), NU_OK, "ROC of NaN scores returns");
		CHECK(cn.n >= 2 && cn.n <= 5, "with at most one point per event");
		nu_curve_free(&cn);
	}
	CHECK_EQ_INT(nu_roc(s, y, 4, &c, NULL), NU_OK, "ROC");
	CHECK_EQ_INT(c.n, 5, "five points");
	{
		int ok = c.n == 5;

		for (size_t i = 0; ok && i < 5; i++)
			ok = fabs(c.x[i] - rx[i]) < 1e-12 && fabs(c.y[i] - ry[i]) < 1e-12;
		CHECK(ok, "points (0,0) (0,.5) (.5,.5) (.5,1) (1,1)");
		CHECK(isinf(c.t[0]) && c.t[1] == 0.8f && c.t[4] == 0.1f, "thresholds");
	}
	nu_curve_free(&c);
	CHECK_EQ_INT(nu_pr(s, y, 4, &c, &ap, NULL), NU_OK, "PR");
	CHECK_NEAR(ap, 0.5 + 0.5 * 2.0 / 3.0, 1e-12, "average precision 0.8333 (sklearn)");
	nu_curve_free(&c);
	nu_roc(st, yt, 4, &c, NULL);
	CHECK(c.n == 4 && fabs(c.x[2] - 0.5) < 1e-12 && fabs(c.y[2] - 1.0) < 1e-12,
	    "tied scores make one point");
	nu_curve_free(&c);

	nu_binary_at(s, y, 4, 0.3, &at);
	CHECK(at.c.tp == 2 && at.c.fp == 1 && at.c.tn == 1 && at.c.fn == 0, "counts at 0.3");
	CHECK_NEAR(at.efficiency.value, 1.0, 1e-12, "efficiency 1");
	CHECK_NEAR(at.purity.value, 2.0 / 3.0, 1e-12, "purity 2/3");
	CHECK_NEAR(at.rejection.value, 0.5, 1e-12, "rejection 1/2");
	CHECK_NEAR(at.balanced, 0.75, 1e-12, "balanced 0.75");
	CHECK_NEAR(at.f1, 0.8, 1e-12, "F1 = 2*2/(4+1)");
	CHECK_NEAR(at.fom, 2.0 / sqrt(3.0), 1e-12, "s/sqrt(s+b) = 2/sqrt(3)");

	CHECK_EQ_INT(nu_binary_eval(s, y, 4, 0.5, &e, NULL), NU_OK, "binary evaluation");
	CHECK_NEAR(e.auc, 0.75, 1e-12, "AUC 0.75");
	CHECK_NEAR(e.baseline, 0.5, 1e-12, "baseline 0.5");
	/* scan: t in [0.1, 0.35) selects 0.8 0.4 0.35: balanced 0.75; t in
	 * [0.4, 0.8) selects 0.8 only: (0.5 + 1)/2 = 0.75 too; the first wins */
	CHECK_EQ_INT(e.best_balanced, 10, "best balanced threshold 0.10");
	CHECK_NEAR(e.scan[e.best_balanced].balanced, 0.75, 1e-12, "... at 0.75");
	CHECK_NEAR(e.youden_j, 0.5, 1e-12, "Youden J 0.5");
	nu_binary_eval_free(&e);

	{
		/* 3 classes: rows true, columns predicted */
		const float sc[5 * 3] = {
			0.8f, 0.1f, 0.1f,   /* true 0 -> 0 */
			0.1f, 0.7f, 0.2f,   /* true 1 -> 1 */
			0.6f, 0.3f, 0.1f,   /* true 1 -> 0 */
			0.2f, 0.2f, 0.6f,   /* true 2 -> 2 */
			0.1f, 0.3f, 0.6f,   /* true 2 -> 2 */
		};
		const float lc[5] = { 0, 1, 1, 2, 2 };

		nu_multi_eval(sc, lc, 5, 3, &m);
		CHECK(m.count[1][0] == 1 && m.count[1][1] == 1 && m.count[2][2] == 2, "confusion");
		CHECK_NEAR(m.accuracy.value, 0.8, 1e-12, "accuracy 4/5");
		CHECK_NEAR(m.efficiency[1].value, 0.5, 1e-12, "class 1 efficiency 1/2");
		CHECK_NEAR(m.purity[0].value, 0.5, 1e-12, "class 0 purity 1/2");
		/* F1: class 0 2/3, class 1 2/3, class 2 1: macro 7/9 (sklearn) */
		CHECK_NEAR(m.macro_f1, 7.0 / 9.0, 1e-12, "macro F1 7/9");
		CHECK_NEAR(m.micro_f1, 0.8, 1e-12, "micro F1 = accuracy");
		CHECK_NEAR(m.baseline, 0.4, 1e-12, "baseline 2/5");
	}
	{
		const float p[3] = { 2, 4, 9 }, t[3] = { 1, 4, 10 };

		nu_reg_stats(p, t, 3, &rs);
		CHECK_NEAR(rs.mse, (1 + 0 + 1) / 3.0, 1e-12, "MSE 2/3");
		CHECK_NEAR(rs.mae, 2 / 3.0, 1e-12, "MAE 2/3");
		CHECK_NEAR(rs.bias, (1.0 + 0 - 0.1) / 3, 1e-12, "bias of relative errors 0.3");
		CHECK_NEAR(rs.resolution, sqrt((1 + 0 + 0.01) / 3), 1e-12, "RMS relative error");
	}
	{
		const float v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, rep[6] = { 1, 1, 1, 1, 2, 3 };

		CHECK_EQ_INT(nu_quantile_edges(v, 8, 4, edges), 4, "4 quantile bins");
		CHECK(edges[0] == 1 && edges[2] == 4.5 && edges[4] == 8, "edges 1 .. 4.5 .. 8");
		CHECK_EQ_INT(nu_quantile_edges(rep, 6, 4, edges), 2, "repeated values merge bins");
	}
	TEST_DONE();
}
