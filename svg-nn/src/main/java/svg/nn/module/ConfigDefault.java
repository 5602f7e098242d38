package svg.nn.module;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A numeric config-record component that a config file may leave out: absent means {@link #value()}. Written only
 * when it differs from that value, so files of configs that do not use it stay as they were (and readable by builds
 * that predate it). Used for settings added after models were saved, such as dropout (0 = none).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface ConfigDefault {
    double value();
}
