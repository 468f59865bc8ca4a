package retrieval

import "slices"

// episodeDoc turns the decoded episode into a document. BM25 text: task
// description, the steps' string fields, outcome, reflection, domain,
// task type, language. Context set: domain, task type, language and the
// context column.
func (bt *batch) episodeDoc() docPrep {
	d, b := &bt.dec, &bt.b
	b.begin()
	b.raw(d.str[epDesc])
	b.steps(d.str[epSteps])
	b.jsonText(d.str[epOutcome])
	b.jsonText(d.str[epReflection])
	b.raw(d.str[epDomain])
	b.raw(d.str[epTaskType])
	b.raw(d.str[epLanguage])
	b.ctxMode = true
	b.raw(d.str[epDomain])
	b.raw(d.str[epTaskType])
	b.raw(d.str[epLanguage])
	b.jsonText(d.str[epContext])
	p := b.finish()
	p.domain, p.task, p.lang = bt.keep(d.str[epDomain]), bt.keep(d.str[epTaskType]), bt.keep(d.str[epLanguage])
	p.time = d.num[epStart]
	p.reward = float32(parseReward(d.str[epReward]))
	return p
}

// patternDoc turns the decoded pattern into a document. BM25 text: pattern
// type, pattern data, context domain, language and tags. Context set:
// domain, language, tags.
func (bt *batch) patternDoc() docPrep {
	d, b := &bt.dec, &bt.b
	b.begin()
	b.raw(d.str[patType])
	b.jsonText(d.str[patData])
	b.raw(d.str[patDomain])
	b.raw(d.str[patLanguage])
	b.jsonText(d.str[patTags])
	b.ctxMode = true
	b.raw(d.str[patDomain])
	b.raw(d.str[patLanguage])
	b.jsonText(d.str[patTags])
	p := b.finish()
	p.domain, p.lang = bt.keep(d.str[patDomain]), bt.keep(d.str[patLanguage])
	p.time = d.num[patUpdated]
	p.reward = float32(clamp01(d.flt[patSuccess]))
	return p
}

// embedding turns the decoded embedding into a unit vector in bt.vecs;
// false when the vector is unusable (zero, NaN, Inf).
func (bt *batch) embedding() (embPrep, bool) {
	d := &bt.dec
	dim := int(d.num[embDimension])
	off := len(bt.vecs)
	bt.vecs = slices.Grow(bt.vecs, dim)[:off+dim]
	if !decodeUnit(bt.vecs[off:], d.str[embVector]) {
		bt.vecs = bt.vecs[:off]
		return embPrep{}, false
	}
	return embPrep{
		owner: ownerKind(d.str[embItemType]), ownerID: bt.keep(d.str[embItemID]),
		model: bt.keep(d.str[embModel]), dim: dim, vec: off,
	}, true
}
