package retrieval

import (
	"github.com/memsync/memsync/protocol"
)

// The protocol row fields (protocol/rows.go), by JSON name. The index of a
// field in its list is the slot the rowDecoder fills.
var (
	episodeFields = []field{
		{"episode_id", fCheck}, {"task_type", fStr}, {"task_description", fStr}, {"context", fStr},
		{"start_time", fInt}, {"end_time", fPtrInt}, {"steps", fStr}, {"outcome", fPtrStr},
		{"reward", fPtrStr}, {"reflection", fPtrStr}, {"patterns", fCheck}, {"heuristics", fCheck},
		{"checkpoints", fCheck}, {"metadata", fCheck}, {"domain", fStr}, {"language", fPtrStr},
		{"created_at", fInt}, {"archived_at", fPtrInt},
	}
	patternFields = []field{
		{"pattern_id", fCheck}, {"pattern_type", fStr}, {"pattern_data", fStr}, {"success_rate", fFloat},
		{"context_domain", fPtrStr}, {"context_language", fPtrStr}, {"context_tags", fPtrStr},
		{"occurrence_count", fInt}, {"created_at", fInt}, {"updated_at", fInt},
	}
	embeddingFields = []field{
		{"embedding_id", fCheck}, {"item_id", fStr}, {"item_type", fStr}, {"dimension", fInt},
		{"model", fStr}, {"dtype", fStr}, {"vector", fBytes}, {"created_at", fInt},
	}
)

// Slots of the fields the index reads.
const (
	epTaskType, epDesc, epContext, epStart, epSteps = 1, 2, 3, 4, 6
	epOutcome, epReward, epReflection, epDomain     = 7, 8, 9, 14
	epLanguage                                      = 15

	patType, patData, patSuccess, patDomain, patLanguage, patTags, patUpdated = 1, 2, 3, 4, 5, 6, 9

	embItemID, embItemType, embDimension, embModel, embDType, embVector = 1, 2, 3, 4, 5, 6
)

// decodeEpisode fills d's episode slots from data, falling back to
// protocol.DecodeEpisode when the fast path declines.
func (d *rowDecoder) decodeEpisode(data []byte) bool {
	if d.decode(data, episodeFields) {
		return true
	}
	e, err := protocol.DecodeEpisode(data)
	if err != nil {
		return false
	}
	d.setStr(epTaskType, e.TaskType)
	d.setStr(epDesc, e.TaskDescription)
	d.setStr(epContext, e.Context)
	d.num[epStart] = e.StartTime
	d.setStr(epSteps, e.Steps)
	d.setPtr(epOutcome, e.Outcome)
	d.setPtr(epReward, e.Reward)
	d.setPtr(epReflection, e.Reflection)
	d.setStr(epDomain, e.Domain)
	d.setPtr(epLanguage, e.Language)
	return true
}

// decodePattern is decodeEpisode for patterns.
func (d *rowDecoder) decodePattern(data []byte) bool {
	if d.decode(data, patternFields) {
		return true
	}
	p, err := protocol.DecodePattern(data)
	if err != nil {
		return false
	}
	d.setStr(patType, p.PatternType)
	d.setStr(patData, p.PatternData)
	d.flt[patSuccess] = p.SuccessRate
	d.setPtr(patDomain, p.ContextDomain)
	d.setPtr(patLanguage, p.ContextLanguage)
	d.setPtr(patTags, p.ContextTags)
	d.num[patUpdated] = p.UpdatedAt
	return true
}

// decodeEmbedding is decodeEpisode for embeddings, validated as
// protocol.DecodeEmbedding validates.
func (d *rowDecoder) decodeEmbedding(data []byte) bool {
	if !d.decode(data, embeddingFields) {
		e, err := protocol.DecodeEmbedding(data)
		if err != nil {
			return false
		}
		d.setStr(embItemID, e.ItemID)
		d.setStr(embItemType, e.ItemType)
		d.num[embDimension] = int64(e.Dimension)
		d.setStr(embModel, e.Model)
		d.setStr(embDType, e.DType)
		d.str[embVector] = e.Vector
	}
	return d.validEmbedding()
}

// validEmbedding is protocol.Embedding.Validate on the decoded slots.
func (d *rowDecoder) validEmbedding() bool {
	dim := d.num[embDimension]
	if string(d.str[embDType]) != protocol.DTypeF32LE || dim <= 0 || int64(len(d.str[embVector])) != 4*dim {
		return false
	}
	return ownerKind(d.str[embItemType]) != 0
}

func (d *rowDecoder) setStr(f int, s string) { d.str[f] = []byte(s) }

func (d *rowDecoder) setPtr(f int, s *string) {
	d.str[f] = nil
	if s != nil {
		d.str[f] = []byte(*s)
	}
}
