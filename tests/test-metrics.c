/* test-metrics.c: AUC with ties and confusion counts against hand counts. */
#include "config.h"

#include <math.h>

#include "metrics.h"
#include "testhelp.h"

/* the AUC, or -1 when nu_auc fails */
static double
auc(const float *score, const float *label, size_t n)
{
	double a;

	return nu_auc(score, label, n, &a) == NU_OK ? a : -1;
}

int
main(void)
{
	/* perfect, inverted, random-tie cases */
	const float s1[4] = { 0.1f, 0.2f, 0.8f, 0.9f }, y1[4] = { 0, 0, 1, 1 };
	const float y2[4] = { 1, 1, 0, 0 };
	const float s3[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
	/* pairs (pos, neg): pos 0.8 beats 0.3 and 0.5, ties 0.8: 2.5 of 3;
	 * pos 0.3 beats none, ties 0.3: 0.5 of 3 -> 3/6 */
	const float s4[5] = { 0.8f, 0.3f, 0.3f, 0.5f, 0.8f }, y4[5] = { 1, 1, 0, 0, 0 };
	const float w[4] = { 1, 2, 3, 4 };
	struct nu_confusion c;

	CHECK_NEAR(auc(s1, y1, 4), 1.0, 1e-12, "separated: AUC 1");
	CHECK_NEAR(auc(s1, y2, 4), 0.0, 1e-12, "inverted: AUC 0");
	CHECK_NEAR(auc(s3, y1, 4), 0.5, 1e-12, "all tied: AUC 0.5");
	CHECK_NEAR(auc(s4, y4, 5), 0.5, 1e-12, "ties count a half: 3/6");
	CHECK(isnan(auc(s1, y1, 2)), "one class only: NaN");
	{
		/* a NaN score has no rank: no area, and no endless loop */
		const float sn[4] = { 0.1f, NAN, 0.8f, NAN };

		CHECK(isnan(auc(sn, y1, 4)), "NaN scores: AUC NaN (and it returns)");
	}

	nu_confusion_at(s1, y1, NULL, 4, 0.5, &c);
	CHECK(c.tp == 2 && c.tn == 2 && c.fp == 0 && c.fn == 0, "confusion at 0.5");
	nu_confusion_at(s1, y1, NULL, 4, 0.8, &c);
	CHECK(c.tp == 1 && c.fn == 1 && c.tn == 2, "score > t: 0.8 is not above 0.8");
	CHECK_NEAR(nu_accuracy(&c), 0.75, 1e-12, "accuracy 3/4");
	CHECK_NEAR(nu_balanced_accuracy(&c), 0.75, 1e-12, "balanced (0.5 + 1)/2");
	nu_confusion_at(s1, y1, w, 4, 0.15, &c);
	CHECK(c.fp == 2 && c.tn == 1 && c.tp == 7, "weighted counts");
	TEST_DONE();
}
