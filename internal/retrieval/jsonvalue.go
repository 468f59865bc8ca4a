package retrieval

// literal reads the literal word (true, false, null).
func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// isNull reads a null if one is next.
func (s *scanner) isNull() bool {
	return s.peek() == 'n' && s.literal("null")
}

// skip reads and discards one value (validating it).
func (s *scanner) skip() bool {
	s.ws()
	switch c := s.peek(); {
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == '{':
		return s.object(func([]byte, bool) bool { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, ok := s.number()
		return ok
	}
	return false
}

// enter consumes the opening byte of a container.
func (s *scanner) enter(open byte) bool {
	if s.peek() != open || s.depth >= maxDepth {
		return false
	}
	s.i++
	s.depth++
	return true
}

// object reads an object; member is called positioned at each member's
// value (after the colon and whitespace) and must read exactly that value.
func (s *scanner) object(member func(key []byte, plain bool) bool) bool {
	if !s.enter('{') {
		return false
	}
	s.ws()
	if s.peek() == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		s.ws()
		key, plain, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		if !member(key, plain) {
			return false
		}
		if done, ok := s.next('}'); !ok || done {
			return ok
		}
	}
}

// array reads an array; elem is called positioned at each element.
func (s *scanner) array(elem func() bool) bool {
	if !s.enter('[') {
		return false
	}
	s.ws()
	if s.peek() == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		s.ws()
		if !elem() {
			return false
		}
		if done, ok := s.next(']'); !ok || done {
			return ok
		}
	}
}

// next reads the separator after a container element: a comma (more to
// come) or the closing byte (done).
func (s *scanner) next(closing byte) (done, ok bool) {
	s.ws()
	switch s.peek() {
	case ',':
		s.i++
		return false, true
	case closing:
		s.i++
		s.depth--
		return true, true
	}
	return false, false
}
