public enum OmzienCompressionPlaceholder {}
